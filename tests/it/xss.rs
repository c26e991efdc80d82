//! Hostile themes and content (issue 9, item 1). Here for now: what a template can reach (the
//! trust model of SECURITY.md). The corpus of hostile strings in every field and Markdown
//! position joins this module with the link-scheme neutralisation it checks.

use crate::support::Site;

/// A theme cannot read the environment, the clock or files: Tera 2 has no `get_env`, `now`,
/// `get_random`, `load_data` or `read_file`, dossier registers only `url`, and `include`,
/// `import` and `extends` reach only the templates dossier loaded. Each attempt is a template
/// error naming the file, and nothing leaks into the output or the message.
#[test]
fn templates_cannot_read_the_environment_or_files() {
    for (i, attempt) in [
        "{{ get_env(name=\"DOSSIER_SECRET\") }}",
        "{{ get_env(name=\"DOSSIER_SECRET\", default=\"x\") }}",
        "{{ now() }}",
        "{{ get_random(end=10) }}",
        "{{ load_data(path=\"site.toml\") }}",
        "{{ read_file(path=\"site.toml\") }}",
        "{% include \"../../site.toml\" %}",
        "{% include \"/etc/passwd\" %}",
        "{% import \"../site.toml\" as secrets %}",
        "{% extends \"../../site.toml\" %}",
    ]
    .iter()
    .enumerate()
    {
        let site = Site::base();
        site.write("content/about.md", "+++\ntitle = \"About\"\n+++\n");
        site.write("templates/page.html", &format!("<p>{attempt}</p>\n"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .arg("build")
            .current_dir(site.root())
            .env("NO_COLOR", "1")
            .env("DOSSIER_SECRET", "s3cr3t-value")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{i}: {attempt}\n{stderr}");
        assert!(
            stderr.starts_with("error: template") && stderr.contains("page.html"),
            "{i}: {attempt}\n{stderr}"
        );
        for leak in ["s3cr3t-value", "base_url", "root:"] {
            assert!(
                !stderr.contains(leak),
                "{i}: {attempt} leaked {leak}:\n{stderr}"
            );
        }
        assert!(!site.root().join("public").exists(), "{i}: {attempt}");
    }
}
