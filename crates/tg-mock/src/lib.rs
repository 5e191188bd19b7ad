//! tg-mock (work in progress).
