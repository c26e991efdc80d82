//! Fuzz target `link_scan`: see `dossier_fuzz::link_scan` for what it feeds and what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| dossier_fuzz::link_scan(data));
