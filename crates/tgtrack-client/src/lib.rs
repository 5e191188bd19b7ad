//! tgtrack-client (work in progress).
