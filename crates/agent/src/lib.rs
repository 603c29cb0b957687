//! `smp-agent`: the per-host daemon that verifies single-use operation tokens
//! and forwards each allowed action to the local LXD over its unix socket.

pub mod lxd;
