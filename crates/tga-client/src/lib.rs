//! tga-client (work in progress).
