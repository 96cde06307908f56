//! The boundary of the core (issue 10, DESIGN.md §2), checked on the sources: `src/wasm/` is
//! a thin layer (under 12 % of `src/` lines) without Autopilot protocol knowledge, and the
//! defaults and lists hosts show are defined once in `src/` and copied nowhere under
//! `pkg-template/` or `www/`.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !["node_modules", "dist", "pkg", "target", "screenshots"].contains(&name) {
                files(&p, exts, out);
            }
        } else if exts.iter().any(|x| name.ends_with(x)) {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_default()
}

fn lines(dir: &str) -> usize {
    let mut v = Vec::new();
    files(&root().join(dir), &[".rs"], &mut v);
    v.iter().map(|p| read(p).lines().count()).sum()
}

#[test]
fn the_wasm_layer_is_thin() {
    let (all, wasm) = (lines("src"), lines("src/wasm"));
    let share = wasm as f64 / all as f64;
    println!("src/wasm: {wasm} of {all} lines = {:.1} %", share * 100.0);
    assert!(share < 0.12, "src/wasm/ is {:.1} % of src/", share * 100.0);
}

#[test]
fn the_wasm_layer_holds_no_protocol_knowledge() {
    let mut v = Vec::new();
    files(&root().join("src/wasm"), &[".rs"], &mut v);
    assert!(!v.is_empty());
    // Header names, paths and status classes of the Autopilot API.
    let forbidden = [
        "autopilotapikey",
        "\"/account",
        "\"/lists",
        "\"/list",
        "\"/contacts",
        "retry-after",
        "content-type",
        "email_contact_map",
        "_autopilot_list",
    ];
    for p in &v {
        let text = read(p).to_ascii_lowercase();
        for f in forbidden {
            assert!(!text.contains(f), "{} names {f}", p.display());
        }
        // A status class would compare a three-digit status: 2xx/3xx/4xx/5xx literals.
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let status = code
                .split(|c: char| !c.is_ascii_digit())
                .any(|w| w.len() == 3 && (b'1'..=b'5').contains(&w.as_bytes()[0]) && w != "127");
            assert!(
                !(status && code.contains("status")),
                "{}:{} compares a status: {line}",
                p.display(),
                n + 1
            );
        }
    }
}

#[test]
fn defaults_and_lists_are_defined_once_in_src_and_copied_nowhere() {
    let mut src = Vec::new();
    files(&root().join("src"), &[".rs"], &mut src);
    let count =
        |needle: &str| -> usize { src.iter().map(|p| read(p).matches(needle).count()).sum() };
    assert_eq!(
        count("api2.autopilothq.com"),
        1,
        "the default base URL is written once in src/"
    );
    assert_eq!(
        count("\"MailingPostalCode\""),
        1,
        "the standard field list is written once in src/"
    );
    assert_eq!(
        count("pub const DEFAULT_RATE"),
        1,
        "the default rate is defined once"
    );
    let mut hosts = Vec::new();
    for dir in ["pkg-template", "www"] {
        files(
            &root().join(dir),
            &[".js", ".mjs", ".html", ".json", ".toml", ".sh", ".css"],
            &mut hosts,
        );
    }
    // The sample generator is the demo's independent oracle: it computes the contacts
    // Autopilot must hold, in wire names, without the package.
    hosts.retain(|p| !p.starts_with(root().join("www/sample")));
    assert!(!hosts.is_empty());
    let standard = [
        "FirstName",
        "LastName",
        "Salutation",
        "NumberOfEmployees",
        "MobilePhone",
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
        "LeadSource",
        "LinkedIn",
    ];
    for p in &hosts {
        let text = read(p);
        assert!(
            !text.contains("api2.autopilothq.com"),
            "{} holds a copy of the default base URL",
            p.display()
        );
        let names = standard.iter().filter(|n| text.contains(*n)).count();
        assert!(
            names < 4,
            "{} holds a copy of the standard field list ({names} names)",
            p.display()
        );
        let reasons = autopilot_export::report::RejectReason::ALL
            .iter()
            .filter(|r| text.contains(r.as_str()))
            .count();
        assert!(
            reasons < 4,
            "{} holds a copy of the reject reasons ({reasons} codes; read metadata().rejectReasonLabels)",
            p.display()
        );
        assert!(
            !text.contains("100 contacts"),
            "{} holds a copy of the batch size (read metadata().maxBatch)",
            p.display()
        );
        // (The static file server's content types are HTTP's, not the package's formats.)
        assert!(
            p.ends_with("www/serve.mjs") || !text.contains("jsonl"),
            "{} holds a copy of the source formats' extensions (read metadata().formats)",
            p.display()
        );
        for (n, line) in text.lines().enumerate() {
            let l = line.to_ascii_lowercase();
            let rate5 = l.contains("rate")
                && (l.contains(": 5,")
                    || l.contains("= 5;")
                    || l.contains("?? 5")
                    || l.contains("|| 5")
                    || l.contains("(5)"));
            assert!(
                !rate5,
                "{}:{} holds a copy of the default rate: {line}",
                p.display(),
                n + 1
            );
        }
    }
}
