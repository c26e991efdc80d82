//! The links stage's page scan as it was before its own scanner (`src/links/scan.rs`): the
//! lol_html rewriter with a handler per selector, kept as the oracle the scanner is compared
//! with, by the `link_scan` fuzz target and by `tests/it/links.rs` (the shipped site and
//! hand-written pages).
//!
//! It is the old `links::scan` line for line but for the fixes the scanner brought: lol_html
//! hands values over as written, and a browser decodes their character references, so here
//! every value read is decoded with `links::decode_references`, and a value set from one has
//! its `&` escaped (lol_html escapes only `"`); names and values are read from the page's
//! bytes, where lol_html would drop a leading U+FEFF. Everything else (which elements and
//! attributes are read, what is resolved, kept, removed and rewritten, and how lol_html
//! writes a changed tag) is lol_html's and the old handler's own.

use std::cell::RefCell;
use std::collections::HashSet;

use dossier::links::{
    ScanReport, URL_ATTRIBUTES, decode_references, is_safe_url, relative, resolve,
};
use lol_html::{AsciiCompatibleEncoding, HtmlRewriter, RewriteStrSettings, Settings, element};

/// [`dossier::links::scan_report`], by lol_html.
pub fn scan_report(
    page: &str,
    html: &str,
    base_path: &str,
    rewrite: bool,
    known: &HashSet<String>,
) -> Result<ScanReport, String> {
    // An attribute's name and value as the page has them. lol_html decodes both with
    // encoding_rs's BOM sniffing, which drops a leading U+FEFF that a browser keeps
    // (`href="\u{feff}x"` is a link to `%EF%BB%BFx` in Chromium), so they are read from the
    // page's bytes instead, where lol_html says they are.
    let read = |el: &lol_html::html_content::Element, attr: &str| {
        let as_written = |at: Option<lol_html::html_content::SourceLocation>| {
            at.and_then(|at| html.get(at.bytes()))
        };
        let a = el.attributes().iter().find(|a| {
            as_written(a.name_source_location()).is_some_and(|n| n.eq_ignore_ascii_case(attr))
        })?;
        // No location: an attribute without a value (`<a href>`).
        let value = as_written(a.value_source_location()).unwrap_or("");
        Some(decode_references(value).into_owned())
    };
    let ids = RefCell::new(HashSet::new());
    let links = RefCell::new(Vec::new());
    let external = RefCell::new(Vec::new());
    let removed = RefCell::new(Vec::new());
    let id_handler = element!("[id]", |el| {
        if let Some(id) = read(el, "id") {
            ids.borrow_mut().insert(id);
        }
        Ok(())
    });
    let name_handler = element!("a[name]", |el| {
        if let Some(name) = read(el, "name") {
            ids.borrow_mut().insert(name);
        }
        Ok(())
    });
    let (links_ref, external_ref, removed_ref) = (&links, &external, &removed);
    let url_handler = |attr: &'static str| {
        let (links, external, removed) = (links_ref, external_ref, removed_ref);
        move |el: &mut lol_html::html_content::Element| -> lol_html::HandlerResult {
            let Some(value) = read(el, attr) else {
                return Ok(());
            };
            if !is_safe_url(&value) {
                el.remove_attribute(attr);
                removed.borrow_mut().push(value);
                return Ok(());
            }
            let Some(target) = resolve(&value, page, base_path) else {
                let v = value.trim();
                if attr == "href"
                    && (v.starts_with("http://") || v.starts_with("https://"))
                    && el.tag_name() == "a"
                {
                    external.borrow_mut().push(v.to_string());
                }
                return Ok(());
            };
            if rewrite {
                el.set_attribute(attr, &relative(page, &target).replace('&', "&amp;"))?;
            }
            if target.anchor.is_some() || !known.contains(&target.file) {
                links.borrow_mut().push((value, target.file, target.anchor));
            }
            Ok(())
        }
    };
    let mut settings = RewriteStrSettings::new()
        .append_element_content_handler(id_handler)
        .append_element_content_handler(name_handler);
    for attr in URL_ATTRIBUTES {
        let selector = format!("[{}]", attr.replace(':', "\\:"));
        settings = settings.append_element_content_handler(element!(selector, url_handler(attr)));
    }
    let settings = Settings::from(settings)
        .with_adjust_charset_on_meta_tag(false)
        .with_encoding(AsciiCompatibleEncoding::utf_8());
    let mut out = Vec::with_capacity(html.len() + html.len() / 8);
    let mut rewriter = HtmlRewriter::new(settings, |chunk: &[u8]| out.extend_from_slice(chunk));
    rewriter
        .write(html.as_bytes())
        .and_then(|()| rewriter.end())
        .map_err(|e| e.to_string())?;
    let mut ids: Vec<String> = ids.into_inner().into_iter().collect();
    ids.sort();
    Ok(ScanReport {
        ids,
        links: links.into_inner(),
        external: external.into_inner(),
        removed: removed.into_inner(),
        html: out,
    })
}

/// Compares the scanner with the oracle on `html` as the page `page` of a site under
/// `base_path`, rewriting and not; panics on a difference. `known` are the files known to
/// exist. Returns what both found when rewriting, `None` if both refused the page.
pub fn compare(
    page: &str,
    html: &str,
    base_path: &str,
    known: &HashSet<String>,
) -> Option<ScanReport> {
    let mut found = None;
    for rewrite in [false, true] {
        let old = scan_report(page, html, base_path, rewrite, known);
        let new = dossier::links::scan_report(page, html, base_path, rewrite, known);
        match (old, new) {
            (Ok(old), Ok(new)) => {
                let what = format!("{page} (rewrite: {rewrite}), html {html:?}");
                assert_eq!(old.ids, new.ids, "ids (lol_html, scanner) of {what}");
                assert_eq!(old.links, new.links, "links (lol_html, scanner) of {what}");
                assert_eq!(
                    old.external, new.external,
                    "external (lol_html, scanner) of {what}"
                );
                assert_eq!(
                    old.removed, new.removed,
                    "removed (lol_html, scanner) of {what}"
                );
                assert_eq!(
                    String::from_utf8_lossy(&old.html),
                    String::from_utf8_lossy(&new.html),
                    "bytes written (lol_html, scanner) of {what}"
                );
                found = Some(new);
            }
            (Err(_), Err(_)) => {}
            (old, new) => panic!(
                "the scanner and lol_html disagree on {page} (rewrite: {rewrite}):\n\
                 html: {html:?}\nlol_html: {:?}\nscanner: {:?}",
                old.map(|_| "read"),
                new.map(|_| "read"),
            ),
        }
    }
    found
}
