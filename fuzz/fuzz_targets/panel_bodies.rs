//! The panel API's JSON bodies: each input is parsed as every request body
//! and checked as its use case checks it before any database or agent work
//! (`smp_panel::api::fuzzing`, built with the panel's `fuzzing` feature,
//! holds the invariants: no `devices`/`source` in a container body, `null`
//! and absent fields read apart, accepted usernames, passwords, token
//! names, key names and SSH keys within their rules and canonical, limits
//! and quotas in range).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    smp_panel::api::fuzzing::check_json_bodies(data);
});
