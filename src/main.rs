use std::process::ExitCode;

// mimalloc instead of the system allocator: a build allocates and frees millions of small
// strings and maps (Markdown events, template values); with glibc's malloc, allocation was
// ~19 % of the instructions of a 10,000-page build (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dossier::cli::main()
}
