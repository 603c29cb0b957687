//! The LXD client over the unix socket (work in progress).
