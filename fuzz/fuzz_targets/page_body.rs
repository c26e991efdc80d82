//! Fuzz target `page_body`: see `dossier_fuzz::page_body` for what it feeds and what it checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // One worker thread: the machine's cores are shared, and libFuzzer runs one input
        // at a time anyway.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    },
    |data: &[u8]| dossier_fuzz::page_body(data)
);
