//! `dossier check --external`: links to other sites, checked over the network when there is
//! one. A link that answers with an HTTP error is broken; one that cannot be reached at all
//! (no network, DNS failure, timeout) is reported as unchecked, never as fine.
//!
//! The only module that talks to the network, and only when asked.

use std::time::Duration;

use rayon::prelude::*;

use crate::links::External;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok(u16),
    Broken(u16),
    Unchecked(String),
}

/// Checks every URL, a few at a time. HEAD first; GET when a server refuses HEAD.
pub fn check(external: &External) -> Vec<(String, Status)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .user_agent(concat!(
            "dossier/",
            env!("CARGO_PKG_VERSION"),
            " (link checker)"
        ))
        .build()
        .into();
    let urls: Vec<&String> = external.keys().collect();
    let check_one = |url: &&String| -> (String, Status) {
        let status = match agent.head(url.as_str()).call() {
            Ok(r) if matches!(r.status().as_u16(), 405 | 501) => {
                match agent.get(url.as_str()).call() {
                    Ok(r) => classify(r.status().as_u16()),
                    Err(e) => Status::Unchecked(e.to_string()),
                }
            }
            Ok(r) => classify(r.status().as_u16()),
            Err(e) => Status::Unchecked(e.to_string()),
        };
        (url.to_string(), status)
    };
    // Network-bound: more threads than cores, but a bounded number.
    match rayon::ThreadPoolBuilder::new().num_threads(8).build() {
        Ok(pool) => pool.install(|| urls.par_iter().map(check_one).collect()),
        Err(_) => urls.iter().map(check_one).collect(),
    }
}

fn classify(code: u16) -> Status {
    if code < 400 {
        Status::Ok(code)
    } else {
        Status::Broken(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_hosts_are_unchecked_not_fine() {
        let mut ext = External::new();
        // Port 9 on loopback: nothing listens there, so the connection is refused at once.
        ext.insert("http://127.0.0.1:9/".into(), vec!["index.html".into()]);
        let got = check(&ext);
        assert!(matches!(got[0].1, Status::Unchecked(_)), "{got:?}");
    }

    #[test]
    fn http_errors_are_broken() {
        assert_eq!(classify(200), Status::Ok(200));
        assert_eq!(classify(301), Status::Ok(301));
        assert_eq!(classify(404), Status::Broken(404));
    }
}
