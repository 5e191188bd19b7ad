//! tgmembership-client (work in progress).
