//! `dossier`: a static-site generator for explainer dossiers.
//!
//! The build is a pipeline of data, one module per stage (see ARCHITECTURE.md):
//! `cli → config → load → model → markdown → context → render → write`.

// Diagnostics are returned by value from many small functions; they are the cold path, and
// boxing them would make every `?` site noisier for no measurable gain.
#![allow(clippy::result_large_err)]

pub mod build;
pub mod cli;
pub mod config;
pub mod context;
pub mod dates;
pub mod diagnostics;
pub mod external;
pub mod frontmatter;
pub mod guard;
pub mod incremental;
pub mod links;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod model;
pub mod pictures;
pub mod publish;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod unchanged;
pub mod write;

/// Gives back the spare room of a string that is kept. `shrink_to_fit` does not under
/// mimalloc when the contents fill at least half of their block: the block is kept whole,
/// where it is. So the contents are copied into a block of their size when the spare room is
/// more than a quarter of them (mimalloc rounds a block up to one of its sizes, about a fifth
/// apart, so a copy for less would give back little).
pub(crate) fn tighten(s: &mut String) {
    if s.capacity() - s.len() > s.len() / 4 {
        *s = String::from(s.as_str());
    }
}

/// [`tighten`] for bytes.
pub(crate) fn tighten_bytes(v: &mut Vec<u8>) {
    if v.capacity() - v.len() > v.len() / 4 {
        *v = v.as_slice().to_vec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Why [`tighten`] copies: mimalloc (the binary's allocator) shrinks a block to a size of
    /// at least half of it where it is, so `shrink_to_fit` keeps the block whole.
    #[test]
    fn mimalloc_keeps_a_block_shrunk_to_more_than_half() {
        use std::alloc::{GlobalAlloc, Layout};
        let layout = Layout::from_size_align(64 * 1024, 1).unwrap();
        // SAFETY: a block of a non-zero size, given back with the size it was resized to.
        unsafe {
            let p = mimalloc::MiMalloc.alloc(layout);
            assert!(!p.is_null());
            let q = mimalloc::MiMalloc.realloc(p, layout, 40 * 1024);
            assert_eq!(p, q);
            mimalloc::MiMalloc.dealloc(q, Layout::from_size_align(40 * 1024, 1).unwrap());
        }
    }

    #[test]
    fn tighten_copies_only_what_has_room_to_give_back() {
        let mut s = String::with_capacity(64 * 1024);
        s.push_str(&"x".repeat(40 * 1024));
        tighten(&mut s);
        assert_eq!(s, "x".repeat(40 * 1024));
        assert!(s.capacity() - s.len() <= s.len() / 4, "{}", s.capacity());
        // Little room: kept where it is.
        let mut s = String::with_capacity(1000);
        s.push_str(&"y".repeat(900));
        let at = s.as_ptr();
        tighten(&mut s);
        assert_eq!((s.as_ptr(), s.capacity(), s.len()), (at, 1000, 900));

        let mut v = Vec::with_capacity(64 * 1024);
        v.extend_from_slice(&[7u8; 40 * 1024]);
        tighten_bytes(&mut v);
        assert_eq!(v, [7u8; 40 * 1024]);
        assert!(v.capacity() - v.len() <= v.len() / 4, "{}", v.capacity());
        let mut v = Vec::with_capacity(1000);
        v.extend_from_slice(&[1u8; 900]);
        let at = v.as_ptr();
        tighten_bytes(&mut v);
        assert_eq!((v.as_ptr(), v.capacity()), (at, 1000));
    }
}
