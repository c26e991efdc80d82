//! The output dir: written only when the build succeeds, never half-replaced, unchanged
//! files untouched, stale files removed, and never a dir the site itself lives in.

use crate::support::{Site, tree};

#[test]
fn a_failed_build_leaves_the_previous_output_byte_identical() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let before = tree(&site.root().join("public"));
    assert!(before.len() > 5);
    // A change that would alter pages, plus an error elsewhere.
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice argued"),
    );
    site.write(
        "content/actors/bob.md",
        "+++\ntitle = \"Bob\"\nkind = \"official\"\n+++\nBob [¶99].\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .ends_with("Build failed with 1 error; nothing was written.\n"),
        "{}",
        out.stderr
    );
    assert_eq!(tree(&site.root().join("public")), before);
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let page = site.root().join("public/actors/bob/index.html");
    let mtime = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0);
    // Every file but the marker is one the build produced again, identically.
    let produced = tree(&site.root().join("public")).len() - 1;
    assert!(
        out.stderr
            .contains(&format!("(0 written, {produced} unchanged, 0 removed)")),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::metadata(&page).unwrap().modified().unwrap(), mtime);
}

#[test]
fn a_rebuild_rewrites_files_changed_by_hand() {
    // Whatever a rebuild does to avoid work, a file edited in the output since the last
    // build, even to the same size, must be noticed and written again.
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let bob = "public/actors/bob/index.html";
    let alice = "public/actors/alice/index.html";
    let (bob_was, alice_was) = (site.read(bob), site.read(alice));
    std::thread::sleep(std::time::Duration::from_millis(50));
    // Same size, one letter changed; and a longer file.
    let same_size = bob_was.replacen("Bob", "Rob", 1);
    assert_ne!(same_size, bob_was);
    assert_eq!(same_size.len(), bob_was.len());
    site.write(bob, &same_size);
    site.write(alice, &format!("{alice_was}<!-- edited -->"));
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("(2 written, "),
        "the two edited files are rewritten: {}",
        out.stderr
    );
    assert_eq!(site.read(bob), bob_was);
    assert_eq!(site.read(alice), alice_was);
    // And with nothing changed, nothing is written.
    let out = site.run(&["build"]);
    assert!(out.stderr.contains("(0 written, "), "{}", out.stderr);
}

#[test]
fn stale_files_go_and_preserved_files_stay() {
    let site = Site::base();
    site.write(
        "site.toml",
        &(site.read("site.toml").replace(
            "theme = \"t\"",
            "theme = \"t\"\npreserve = [\"CNAME\", \".git\"]",
        )),
    );
    assert_eq!(site.run(&["build"]).status, 0);
    site.write("public/CNAME", "example.org\n");
    site.write("public/.git/HEAD", "ref\n");
    site.write("public/old/index.html", "old");
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(!site.root().join("public/old").exists());
    assert_eq!(site.read("public/CNAME"), "example.org\n");
    assert_eq!(site.read("public/.git/HEAD"), "ref\n");
}

#[test]
fn refuses_output_dirs_that_hold_the_site() {
    let site = Site::base();
    for (dir, why) in [
        (".", "it is the site root"),
        ("..", "it contains the site root"),
        ("content", "it is inside content/"),
        ("content/x", "it is inside content/"),
        ("themes", "it is inside themes/"),
    ] {
        let out = site.run(&["build", "--output-dir", dir]);
        assert_eq!(out.status, 1, "{dir}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("refusing to use {dir} as the output dir: {why}")),
            "{dir}: {}",
            out.stderr
        );
    }
    // Nothing was touched.
    assert!(!site.root().join("content/x").exists());
}

#[test]
fn refuses_a_non_empty_dir_it_did_not_make_unless_forced() {
    let site = Site::base();
    site.write("elsewhere/notes.txt", "mine");
    let out = site.run(&["build", "--output-dir", "elsewhere"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains(
            "refusing to write into elsewhere: it is not empty and was not made by dossier"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(site.read("elsewhere/notes.txt"), "mine");
    let out = site.run(&["build", "--output-dir", "elsewhere", "--force"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(site.root().join("elsewhere/index.html").exists());
}

/// A site with many pages, so that writing takes long enough to be interrupted.
fn big_site(pages: usize) -> Site {
    let site = Site::base();
    // The search index is not what this is about, and it is the slowest stage.
    site.write(
        "site.toml",
        &site
            .read("site.toml")
            .replace("theme = \"t\"", "theme = \"t\"\nsearch = false"),
    );
    for i in 0..pages {
        site.write(
            &format!("content/actors/extra-{i:04}.md"),
            &format!("+++\ntitle = \"Extra {i}\"\nkind = \"person\"\n\n[[relations]]\ntype = \"negotiates-with\"\nto = \"alice\"\ncite = [1]\n+++\nExtra {i} met [Alice](@/actors/alice.md) [¶1].\n"),
        );
    }
    site
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_output_or_says_it_is_incomplete() {
    use std::process::Command;
    let site = big_site(500);
    let marker = site.root().join("public/.dossier-output");
    // The previous output, from a build with different content.
    assert_eq!(site.run(&["build"]).status, 0);
    let old = tree(&site.root().join("public"));
    // The new build's expected output, from a build elsewhere.
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice argued"),
    );
    let expected_dir = tempfile::tempdir().unwrap();
    let expected_out = expected_dir.path().join("out");
    let out = site.run(&["build", "--output-dir", expected_out.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let mut expected = tree(&expected_out);
    expected.remove(".dossier-output");
    // How long a build takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    let copy = tempfile::tempdir().unwrap();
    assert_eq!(
        site.run(&[
            "build",
            "--output-dir",
            copy.path().join("o").to_str().unwrap()
        ])
        .status,
        0
    );
    let duration = started.elapsed();

    let mut outcomes = std::collections::BTreeMap::new();
    for k in 0..9u32 {
        // Restore the old output exactly, then start the new build and kill it.
        let public = site.root().join("public");
        std::fs::remove_dir_all(&public).unwrap();
        for (rel, bytes) in &old {
            let p = public.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("build")
            .current_dir(site.root())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Spread the kills from the start to past the end of a normal build; the last build
        // is left to finish, whatever the machine's load makes a build take.
        if k < 8 {
            std::thread::sleep(duration.mul_f64(f64::from(k) / 5.0));
            let _ = child.kill();
        }
        let _ = child.wait();
        let now = tree(&public);
        let marker_text = std::fs::read_to_string(&marker).unwrap_or_default();
        let outcome = if now == old {
            "untouched"
        } else if marker_text.starts_with("dossier build: STAGING") {
            // Stopped while staging: the previous output is intact beside the staged files.
            let mut now = now.clone();
            now.retain(|rel, _| !rel.ends_with(".dossier-tmp"));
            now.remove(".dossier-output");
            let mut old = old.clone();
            old.remove(".dossier-output");
            assert!(
                now == old,
                "kill {k}: the marker says staging but the previous output changed"
            );
            "stopped while staging"
        } else if marker_text.starts_with("dossier build: complete") {
            let mut now = now.clone();
            now.remove(".dossier-output");
            assert!(
                now == expected,
                "kill {k}: the marker says complete but the output is not the new build"
            );
            "complete"
        } else {
            assert!(
                marker_text.starts_with("dossier build: INCOMPLETE"),
                "kill {k}: a mixed output without an INCOMPLETE marker: {marker_text:?}"
            );
            "marked incomplete"
        };
        *outcomes.entry(outcome).or_insert(0) += 1;
        // Whatever happened, the next build completes the output.
        let out = site.run(&["build"]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        if outcome == "marked incomplete" {
            assert!(
                out.stderr
                    .contains("was interrupted while writing; this build completes it"),
                "{}",
                out.stderr
            );
        }
        let mut after = tree(&public);
        assert!(
            std::fs::read_to_string(&marker)
                .unwrap()
                .starts_with("dossier build: complete")
        );
        after.remove(".dossier-output");
        assert!(
            after == expected,
            "kill {k}: the next build did not complete the output"
        );
    }
    // Outcomes vary with the machine's load; every one of them was checked above.
    eprintln!("outcomes of the kills: {outcomes:?}");
    assert!(outcomes.contains_key("complete"), "{outcomes:?}");
}

#[test]
fn a_write_that_fails_half_way_leaves_the_previous_output_intact() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let before = tree(&site.root().join("public"));
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice argued"),
    );
    site.write(
        "content/actors/zed.md",
        "+++\ntitle = \"Zed\"\nkind = \"person\"\n+++\nZed met [Alice](@/actors/alice.md) [¶1].\n",
    );
    // Something in the way of one new file's temporary name: its write fails, like on a full
    // disk, after the other files were staged.
    std::fs::create_dir_all(
        site.root()
            .join("public/actors/alice/.index.html.dossier-tmp/x"),
    )
    .unwrap();
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: cannot write public/actors/alice/index.html"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("public was left as it was"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(
        site.root()
            .join("public/actors/alice/.index.html.dossier-tmp"),
    )
    .unwrap();
    assert_eq!(
        tree(&site.root().join("public")),
        before,
        "the previous output changed"
    );
}

#[test]
fn an_output_dir_that_is_a_file_is_a_clear_error() {
    let site = Site::base();
    site.write("out", "not a folder");
    let out = site.run(&["build", "--output-dir", "out"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr
            .contains("refusing to use out as the output dir: it is a file"),
        "{}",
        out.stderr
    );
    assert_eq!(site.read("out"), "not a folder");
}

#[test]
fn a_crash_in_the_middle_of_the_switch_is_marked_and_repaired() {
    let site = big_site(20);
    assert_eq!(site.run(&["build"]).status, 0);
    let old = tree(&site.root().join("public"));
    for i in 0..20 {
        let path = format!("content/actors/extra-{i:04}.md");
        site.write(
            &path,
            &site
                .read(&path)
                .replace("met [Alice]", "argued with [Alice]"),
        );
    }
    let crashed = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("build")
        .current_dir(site.root())
        .env("DOSSIER_TEST_CRASH_AFTER_RENAMES", "5")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
    let mixed = tree(&site.root().join("public"));
    assert_ne!(mixed, old, "the crash came before any file was switched");
    let marker = site.read("public/.dossier-output");
    assert!(
        marker.starts_with("dossier build: INCOMPLETE\n"),
        "{marker}"
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning: the previous build into public was interrupted while writing; this build completes it"), "{}", out.stderr);
    assert!(
        site.read("public/.dossier-output")
            .starts_with("dossier build: complete\n")
    );
    assert!(
        site.read("public/actors/extra-0019/index.html")
            .contains("argued with")
    );
}

#[test]
fn a_page_that_takes_for_ever_is_stopped_by_name_and_nothing_is_written() {
    let site = Site::base();
    assert_eq!(site.run(&["build"]).status, 0);
    let before = tree(&site.root().join("public"));
    // Ten billion iterations: a template that would never finish.
    site.write(
        "templates/talk.html",
        "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("build")
        .current_dir(site.root())
        .env("NO_COLOR", "1")
        .env("DOSSIER_PAGE_TIMEOUT_MS", "1500")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: the template of this page took more than 1.5 s; stopped\n --> content/talks/meeting.md\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
    assert_eq!(tree(&site.root().join("public")), before);
}

/// The files of `dir`'s search index.
fn index_of(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    tree(&dir.join("pagefind"))
}

#[test]
fn the_search_index_is_kept_only_while_its_records_and_files_are_the_same() {
    let site = Site::base();
    let built_again = |out: &crate::support::Output| {
        assert_eq!(out.status, 0, "{}", out.stderr);
        let kept = out.stderr.contains("search-kept");
        assert_ne!(kept, out.stderr.contains("  search "), "{}", out.stderr);
        !kept
    };
    let out = site.run(&["build", "--timings"]);
    assert!(built_again(&out));
    // A small index is in one part (`search_shard_size`), and `--timings` says so, with how
    // many records it holds.
    let said = out
        .stderr
        .split("templates and links, in one part of ")
        .nth(1)
        .and_then(|rest| rest.split(" records\n").next());
    assert!(
        said.and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n > 1),
        "{}",
        out.stderr
    );
    let public = site.root().join("public");
    let first = index_of(&public);
    assert!(
        first.keys().any(|k| k.ends_with(".pf_fragment")),
        "{first:?}"
    );

    // Nothing changed: nothing is done at all (see `a_build_with_nothing_changed_…`).
    let out = site.run(&["build", "--timings"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("search"), "{}", out.stderr);
    assert!(out.stderr.contains("(0 written, "), "{}", out.stderr);
    // A change that leaves every record as it was (a static file): kept, and the same as
    // an index built from scratch.
    site.write("static/robots-notes.txt", "not a page");
    let out = site.run(&["build", "--timings"]);
    assert!(!built_again(&out));
    assert!(out.stderr.contains("(1 written, "), "{}", out.stderr);
    assert_eq!(index_of(&public), first);
    assert!(built_again(&site.run(&[
        "build",
        "--timings",
        "--output-dir",
        "fresh"
    ])));
    assert_eq!(index_of(&site.root().join("fresh")), first);

    // A file of the index edited by hand, even to the same size: built again.
    let fragment = first.keys().find(|k| k.ends_with(".pf_fragment")).unwrap();
    let path = public.join("pagefind").join(fragment);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    assert!(built_again(&site.run(&["build", "--timings"])));
    assert_eq!(index_of(&public), first);

    // A file of the index removed, or the manifest: built again.
    std::fs::remove_file(&path).unwrap();
    assert!(built_again(&site.run(&["build", "--timings"])));
    assert_eq!(index_of(&public), first);
    std::fs::remove_file(public.join(".dossier-search")).unwrap();
    assert!(built_again(&site.run(&["build", "--timings"])));
    assert_eq!(index_of(&public), first);

    // A record changed: built again, and it finds the new word, as a fresh index does.
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice zanzibarised"),
    );
    assert!(built_again(&site.run(&["build", "--timings"])));
    let changed = index_of(&public);
    assert_ne!(changed, first);
    assert!(built_again(&site.run(&[
        "build",
        "--timings",
        "--output-dir",
        "fresh2"
    ])));
    assert_eq!(index_of(&site.root().join("fresh2")), changed);
}

#[test]
fn after_one_page_is_edited_only_its_part_of_the_search_index_is_built_again() {
    let site = Site::base();
    site.write(
        "site.toml",
        &format!("search_shard_size = 3\n{}", site.read("site.toml")),
    );
    let first = site.run(&["build", "--timings"]);
    assert_eq!(first.status, 0, "{}", first.stderr);
    let parts = first
        .stderr
        .split("templates and links, in ")
        .nth(1)
        .and_then(|rest| rest.split(" parts of ").next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no count of parts: {}", first.stderr));
    assert!(parts >= 3, "{}", first.stderr);
    let public = site.root().join("public");
    let before = index_of(&public);

    // One body edited: one record, so one part, is built again; the others are read back.
    site.write(
        "content/actors/alice.md",
        &site
            .read("content/actors/alice.md")
            .replace("Alice talked", "Alice zanzibarised"),
    );
    let out = site.run(&["build", "--timings"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let built_one = format!(
        " records: 1 built, 1 at a time; {} read back, their records the same\n",
        parts - 1
    );
    assert!(out.stderr.contains(&built_one), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("in {parts} parts of ")),
        "{}",
        out.stderr
    );
    let after = index_of(&public);
    assert_ne!(after, before);
    // The parts read back are those of the parts not built, and the whole is what a build
    // from scratch makes.
    let fresh = site.run(&["build", "--output-dir", "fresh"]);
    assert_eq!(fresh.status, 0, "{}", fresh.stderr);
    assert_eq!(index_of(&site.root().join("fresh")), after);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(!changed.is_empty());
    // The edited record's part is one folder of the bundle; every file that changed is in it.
    let folder_of = |k: &str| match k.strip_prefix("shard-") {
        Some(rest) => format!("shard-{}", rest.split('/').next().unwrap()),
        None => String::new(),
    };
    let folders: std::collections::BTreeSet<String> =
        changed.iter().map(|k| folder_of(k)).collect();
    assert_eq!(folders.len(), 1, "{changed:?}");
    // The manifest names every part, for the next build.
    let index = site.read("public/.dossier-search");
    assert_eq!(index.matches("\npart ").count(), parts, "{index}");
}

#[test]
fn a_build_that_fails_after_its_pages_were_staged_leaves_no_trace() {
    // A broken link is only found once every page is made, and so staged into the output
    // dir: the failed build must take all of it back.
    let site = Site::base();
    let broken = |site: &Site| {
        site.write(
            "themes/t/templates/talk.html",
            r#"{% extends "base.html" %}{% block main %}<a href="/sub/nowhere/">x</a>{% endblock main %}"#,
        );
        let out = site.run(&["build"]);
        assert_eq!(out.status, 1, "{}", out.stderr);
        assert!(out.stderr.contains("broken link"), "{}", out.stderr);
    };
    // Into an output dir that did not exist: it does not exist after.
    broken(&site);
    assert!(!site.root().join("public").exists());

    // Into the previous output, edited since so that every page is staged: byte-identical
    // after, marker included, and no staged file left.
    std::fs::remove_dir_all(site.root().join("themes/t/templates")).unwrap();
    crate::support::copy_tree(
        &crate::support::fixtures().join("base/themes/t/templates"),
        &site.root().join("themes/t/templates"),
    );
    assert_eq!(site.run(&["build"]).status, 0);
    let before = tree(&site.root().join("public"));
    site.write(
        "themes/t/templates/base.html",
        &format!(
            "<!-- a comment in every page -->\n{}",
            site.read("themes/t/templates/base.html")
        ),
    );
    broken(&site);
    assert_eq!(tree(&site.root().join("public")), before);
}

/// Whether a `build --timings` ran the whole pipeline, not only the comparison with the last
/// build.
fn was_full(out: &crate::support::Output) -> bool {
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("  compare "), "{}", out.stderr);
    out.stderr.contains("  templates ")
}

/// Every file of `dir` with its modification time.
fn times(dir: &std::path::Path) -> Vec<(std::path::PathBuf, std::time::SystemTime)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().modified().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_build_with_nothing_changed_writes_nothing_and_says_what_the_last_one_said() {
    let site = Site::base();
    // A warning, to be said again.
    site.write(
        "static/actors/bob/index.html",
        "<p>a static page in the way</p>",
    );
    let first = site.run(&["build", "--timings"]);
    assert!(was_full(&first));
    assert!(
        first
            .stderr
            .contains("warning: static file actors/bob/index.html is replaced by a rendered page"),
        "{}",
        first.stderr
    );
    let public = site.root().join("public");
    let (files, stamps) = (tree(&public), times(&public));
    std::thread::sleep(std::time::Duration::from_millis(20));

    let again = site.run(&["build", "--timings"]);
    assert!(!was_full(&again), "{}", again.stderr);
    // The same warnings and counts, nothing written, not even the marker.
    let said = |stderr: &str| {
        stderr
            .lines()
            .filter(|l| !l.starts_with("  "))
            .map(|l| l.split(" in ").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(said(&again.stderr), said(&first.stderr));
    let unchanged = format!("(0 written, {} unchanged, 0 removed)", files.len() - 1);
    assert!(
        again.stderr.contains(&unchanged),
        "{unchanged}: {}",
        again.stderr
    );
    assert_eq!(tree(&public), files);
    assert_eq!(times(&public), stamps);
}

#[test]
fn any_change_to_what_a_build_read_or_left_makes_the_next_one_full() {
    let site = Site::base();
    let public = site.root().join("public");
    let fresh = tempfile::tempdir().unwrap();
    // After each change: a full build, whose output is a fresh build's; then nothing to do.
    let full_then_nothing = |why: &str, args: &[&str]| {
        let args: Vec<&str> = ["build", "--timings"].iter().chain(args).copied().collect();
        let out = site.run(&args);
        assert!(was_full(&out), "{why}: {}", out.stderr);
        let other = fresh.path().join(why.replace(' ', "-"));
        let mut elsewhere = args.clone();
        elsewhere.extend(["--output-dir", other.to_str().unwrap()]);
        assert_eq!(site.run(&elsewhere).status, 0, "{why}");
        assert!(
            crate::support::published(&public) == crate::support::published(&other),
            "{why}: the output is not a fresh build's"
        );
        assert!(
            !was_full(&site.run(&args)),
            "{why}: the next build did work"
        );
    };
    full_then_nothing("first build", &[]);

    let edit = |rel: &str, from: &str, to: &str| {
        let text = site.read(rel);
        assert!(text.contains(from), "{rel}");
        site.write(rel, &text.replace(from, to));
    };
    edit("content/actors/bob.md", "mentioned", "named");
    full_then_nothing("a page", &[]);
    edit("themes/t/templates/base.html", "<", "\n<");
    full_then_nothing("a template", &[]);
    edit("themes/t/static/style.css", "{", "{ ");
    full_then_nothing("a static file", &[]);
    site.write("templates/extra.html", "not used");
    full_then_nothing("a file added", &[]);
    std::fs::remove_file(site.root().join("templates/extra.html")).unwrap();
    full_then_nothing("a file removed", &[]);
    edit("site.toml", "Fixture", "Fixture 2");
    full_then_nothing("site.toml", &[]);
    full_then_nothing("an option", &["--base-url", "https://example.com/"]);
    site.write(
        "content/actors/carol.md",
        "+++\ntitle = \"Carol\"\nkind = \"official\"\ndraft = true\n+++\nCarol.\n",
    );
    full_then_nothing("a draft", &["--base-url", "https://example.com/"]);
    full_then_nothing(
        "drafts",
        &["--base-url", "https://example.com/", "--drafts"],
    );
    let same = &["--base-url", "https://example.com/", "--drafts"];

    // The output edited by hand, even to the same size with its old modification time.
    let page = public.join("actors/bob/index.html");
    let before = std::fs::read(&page).unwrap();
    let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
    let mut bytes = before.clone();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    std::fs::write(&page, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    full_then_nothing("a page edited by hand", same);
    assert_eq!(std::fs::read(&page).unwrap(), before);
    std::fs::remove_file(&page).unwrap();
    full_then_nothing("a page removed by hand", same);
    assert_eq!(std::fs::read(&page).unwrap(), before);
    std::fs::write(public.join("actors/stray.html"), "stray").unwrap();
    full_then_nothing("a file added by hand", same);
    assert!(!public.join("actors/stray.html").exists());

    // What the last build recorded, unreadable: a full build, no error.
    let marker = public.join(".dossier-output");
    let text = std::fs::read_to_string(&marker).unwrap();
    std::fs::write(&marker, text.replace("\"files\"", "\"fils\"")).unwrap();
    full_then_nothing("the record garbled", same);

    // A page's time limit decides whether the build succeeds.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["build", "--timings"])
        .args(same)
        .current_dir(site.root())
        .env("DOSSIER_PAGE_TIMEOUT_MS", "60000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("  templates "), "{stderr}");
}

#[test]
fn a_build_into_a_new_dir_killed_at_any_moment_leaves_nothing_or_says_it_is_incomplete() {
    use std::process::Command;
    let site = big_site(500);
    let scratch = tempfile::tempdir().unwrap();
    let expected_out = scratch.path().join("expected");
    let started = std::time::Instant::now();
    let out = site.run(&["build", "--output-dir", expected_out.to_str().unwrap()]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let duration = started.elapsed();
    let expected = crate::support::published(&expected_out);

    let mut outcomes = std::collections::BTreeMap::new();
    for k in 0..8u32 {
        let dir = scratch.path().join(format!("new-{k}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .args(["build", "--output-dir", dir.to_str().unwrap()])
            .current_dir(site.root())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        if k < 7 {
            std::thread::sleep(duration.mul_f64(f64::from(k) / 5.0));
            let _ = child.kill();
        }
        let _ = child.wait();
        let marker = std::fs::read_to_string(dir.join(".dossier-output")).unwrap_or_default();
        let outcome = if !dir.exists() {
            "nothing"
        } else if marker.starts_with("dossier build: complete") {
            assert!(
                crate::support::published(&dir) == expected,
                "kill {k}: the marker says complete but the output is not the build's"
            );
            "complete"
        } else {
            // Killed before the marker was written: the folder is empty.
            assert!(
                marker.starts_with("dossier build: INCOMPLETE")
                    || std::fs::read_dir(&dir).unwrap().next().is_none(),
                "kill {k}: a partial output without an INCOMPLETE marker: {marker:?}"
            );
            "incomplete"
        };
        *outcomes.entry(outcome).or_insert(0) += 1;
        // Whatever happened, the next build completes it.
        let out = site.run(&["build", "--output-dir", dir.to_str().unwrap()]);
        assert_eq!(out.status, 0, "{}", out.stderr);
        if outcome == "incomplete" && !marker.is_empty() {
            assert!(
                out.stderr.contains("was interrupted while writing"),
                "{}",
                out.stderr
            );
        }
        assert!(
            crate::support::published(&dir) == expected,
            "kill {k}: the next build did not complete the output"
        );
    }
    assert!(outcomes.contains_key("complete"), "{outcomes:?}");
}

#[test]
fn a_build_into_a_new_dir_that_fails_leaves_no_dir() {
    let site = Site::base();
    site.write(
        "themes/t/templates/talk.html",
        "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["build", "--output-dir", "new/public"])
        .current_dir(site.root())
        .env("DOSSIER_PAGE_TIMEOUT_MS", "1500")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!site.root().join("new/public").exists());
}

/// `--timings` gives each stage's time and, on Linux, the CPU time of the process during it
/// (with the cores that kept busy) and the process's peak memory so far, which never goes
/// down from one stage to the next that ended after it.
#[test]
fn timings_give_each_stage_its_time_cpu_and_the_peak_memory_so_far() {
    let site = Site::base();
    let out = site.run(&["build", "--timings"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let stages: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(" ms"))
        .collect();
    let names: Vec<&str> = stages
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for stage in ["load", "model", "markdown", "templates", "links", "write"] {
        assert!(names.contains(&stage), "{stage} in {}", out.stderr);
    }
    if cfg!(target_os = "linux") {
        let peak = |l: &str| -> u64 {
            let (_, mib) = l.split_once("peak memory").unwrap_or_else(|| panic!("{l}"));
            mib.trim().trim_end_matches("MiB").trim().parse().unwrap()
        };
        let at = |name: &str| {
            peak(
                stages
                    .iter()
                    .find(|l| l.split_whitespace().next() == Some(name))
                    .unwrap(),
            )
        };
        assert!(at("load") > 0, "{}", out.stderr);
        assert!(at("load") <= at("markdown") && at("markdown") <= at("templates"));
        assert!(at("templates") <= at("write"), "{}", out.stderr);
        // "CPU   12.3 ms (1.4 cores)": every stage has one, and the build used some.
        let cpu = |l: &str| -> f64 {
            let (_, rest) = l.split_once("CPU").unwrap_or_else(|| panic!("{l}"));
            let (ms, rest) = rest.split_once("ms").unwrap_or_else(|| panic!("{l}"));
            assert!(
                rest.trim_start().starts_with('(') && rest.contains(" cores)"),
                "{l}"
            );
            ms.trim().parse().unwrap_or_else(|e| panic!("{l}: {e}"))
        };
        // The search index's line, beside the others, has its own format.
        let total: f64 = stages
            .iter()
            .filter(|l| !l.contains("on its own thread"))
            .map(|l| cpu(l))
            .sum();
        assert!(total > 0.0, "{}", out.stderr);
    }
}

#[test]
fn a_build_whose_markdown_fails_leaves_no_new_dir_and_no_folder() {
    // A cold build into a new dir starts its write (and makes the pages' folders) before
    // the Markdown is rendered: an error found there takes all of it back.
    let site = Site::base();
    let carol = |body: &str| {
        site.write(
            "content/actors/carol.md",
            &format!("+++\ntitle = \"Carol\"\nkind = \"person\"\n+++\n{body}\n"),
        );
    };
    let broken = "See [nobody](@/actors/nobody.md) [¶1].";
    carol(broken);
    let out = site.run(&["build", "--output-dir", "new/public"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("nobody.md"), "{}", out.stderr);
    assert!(!site.root().join("new/public").exists());
    // The same error into the previous output leaves it as it was, marker included.
    carol("Carol [¶1].");
    let out = site.run(&["build"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let before = tree(&site.root().join("public"));
    carol(broken);
    let out = site.run(&["build"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(tree(&site.root().join("public")) == before);
}
