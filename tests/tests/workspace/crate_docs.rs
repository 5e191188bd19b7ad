//! The published crates' docs.rs setup (issue 17 item 6): each crate's README is its crate
//! documentation (so docs.rs shows what crates.io shows; the README's examples run as doc tests
//! of a scratch crate, `cargo xtask readme-check`), feature-gated items show their feature, and
//! every README has an example that runs rather than only compiles.

use std::path::{Path, PathBuf};

const CRATES: [&str; 5] = [
    "tg-common",
    "tga-client",
    "tgtrack-client",
    "tgmembership-client",
    "tg-mock",
];

fn crate_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("crates")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The crate-level attributes of lib.rs: the lines before the first item.
fn crate_attributes(lib: &str) -> Vec<&str> {
    lib.lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("#![") || l.starts_with("//"))
        .filter(|l| l.starts_with("#!["))
        .collect()
}

#[test]
fn every_crate_doc_is_its_readme() {
    for name in CRATES {
        let lib = read(&crate_dir(name).join("src/lib.rs"));
        let attributes = crate_attributes(&lib);
        assert!(
            attributes
                .contains(&r#"#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]"#),
            "{name}: lib.rs must start with its README as its doc (its blocks are checked by \
             `cargo xtask readme-check`, not as this crate's doctests)"
        );
        assert!(
            attributes.contains(&"#![cfg_attr(docsrs, feature(doc_cfg))]"),
            "{name}: lib.rs must enable doc_cfg under docsrs, so docs.rs shows features"
        );
    }
}

#[test]
fn every_crate_builds_its_docs_rs_page_with_all_features_and_cfg_docsrs() {
    for name in CRATES {
        let manifest = read(&crate_dir(name).join("Cargo.toml"));
        let section = manifest
            .split("[package.metadata.docs.rs]")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no [package.metadata.docs.rs]"));
        let section = section.split("\n[").next().unwrap_or_default();
        assert!(
            section.contains("all-features = true"),
            "{name}: docs.rs must build with all features"
        );
        assert!(
            section.contains(r#"rustdoc-args = ["--cfg", "docsrs"]"#),
            "{name}: docs.rs must pass --cfg docsrs to rustdoc"
        );
    }
}

#[test]
fn every_readme_has_an_example_that_runs() {
    for name in CRATES {
        let readme = read(&crate_dir(name).join("README.md"));
        let runnable = readme.lines().filter(|l| l.trim_end() == "```rust").count();
        assert!(
            runnable > 0,
            "{name}: README.md has no ```rust block that runs (only no_run / ignore)"
        );
    }
}
