use std::process::ExitCode;

// mimalloc instead of the system allocator: a build allocates and frees millions of small
// strings and maps (Markdown events, template values); with glibc's malloc, allocation was
// ~19 % of the instructions of a 10,000-page build (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dossier::cli::main_with(dossier::cli::OneBuild {
        starts: keep_freed_memory,
        index_starts: give_freed_memory_back,
    })
}

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_t` (mimalloc.h, v2), which
/// the Rust bindings do not name. A test below checks it is the option
/// `MIMALLOC_PURGE_DELAY` sets.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// mimalloc's own purge delay (v2), in ms: freed memory goes back to the system after it.
const MI_DEFAULT_PURGE_DELAY: std::ffi::c_long = 10;

/// For a process that builds once and exits: memory it frees is kept for its next
/// allocations instead of being given back to the system (mimalloc's purge delay -1), so
/// the next stage does not fault the same pages in again. At 10,000 pages of the minimal
/// theme, 15 % fewer page faults and 8 % less system time, for 4 % more peak memory
/// (BENCHMARKS.md, sixteenth pass). `serve`, which lives on, keeps the default.
/// `MIMALLOC_PURGE_DELAY`, when set, wins.
fn keep_freed_memory() {
    set_purge_delay(-1);
}

/// Once the build starts its search index, freed memory goes back to the system again, as
/// by default: Pagefind's parts allocate on threads of their own beside the pages', and
/// memory kept by one thread's heap is not what another's allocations take, so the
/// 10,000-page default build's peak went up by a fifth, 1,216 → 1,476 MiB (medians of six
/// pairs), for 9 % less time (BENCHMARKS.md, seventeenth pass).
fn give_freed_memory_back() {
    set_purge_delay(MI_DEFAULT_PURGE_DELAY);
}

/// Sets mimalloc's purge delay, unless `MIMALLOC_PURGE_DELAY` set it.
fn set_purge_delay(ms: std::ffi::c_long) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options, which it reads at each purge.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" {
        fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
    }

    /// Run again, alone, in a child process with `MIMALLOC_PURGE_DELAY` set: the option read
    /// at `MI_OPTION_PURGE_DELAY` is that one, and `keep_freed_memory` leaves it so.
    #[test]
    fn the_purge_delay_is_the_option_its_variable_sets() {
        const NAME: &str = "tests::the_purge_delay_is_the_option_its_variable_sets";
        match std::env::var("MIMALLOC_PURGE_DELAY") {
            Ok(v) => {
                let set: std::ffi::c_long = v.parse().unwrap();
                // SAFETY: reads one of mimalloc's options.
                assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, set);
                keep_freed_memory();
                assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, set);
                give_freed_memory_back();
                assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, set);
            }
            Err(_) => {
                // mimalloc's default, then what `keep_freed_memory` makes it.
                assert_eq!(
                    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) },
                    MI_DEFAULT_PURGE_DELAY
                );
                for value in ["77", "0"] {
                    let out = std::process::Command::new(std::env::current_exe().unwrap())
                        .args(["--exact", NAME, "--test-threads=1"])
                        .env("MIMALLOC_PURGE_DELAY", value)
                        .output()
                        .unwrap();
                    let stdout = String::from_utf8_lossy(&out.stdout);
                    assert!(
                        out.status.success() && stdout.contains("1 passed"),
                        "{stdout}{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                keep_freed_memory();
                assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, -1);
                give_freed_memory_back();
                assert_eq!(
                    unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) },
                    MI_DEFAULT_PURGE_DELAY
                );
            }
        }
    }
}
