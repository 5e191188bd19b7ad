//! The documents' examples in `fixtures/<provider>/`: every file is listed in its folder's
//! README, every `.json` file parses, every `.as-published.txt` copy (a block the document
//! prints broken) does not parse and has a repaired `.json` beside it in the same section, the
//! count of files per document section is the README's, and every file is read by some test,
//! bench or tool in the repository. Nothing outside the repository is read.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const PUBLISHED: &str = ".as-published.txt";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The file names of `dir` (not recursive), sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The rows of the Markdown table under `## {heading}`, as cells, header and rule left out.
fn table(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let start = readme
        .find(&format!("## {heading}\n"))
        .unwrap_or_else(|| panic!("no `## {heading}` in the README"));
    readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// One provider folder: its files and its README's two tables.
struct Folder {
    provider: String,
    files: Vec<String>,
    /// README `## Files`: file name -> section.
    listed: BTreeMap<String, String>,
    /// README `## Examples per section`: section -> (`.json` count, `.as-published.txt` count).
    counts: BTreeMap<String, (usize, usize)>,
}

impl Folder {
    fn read(provider: String) -> Folder {
        let dir = repo().join("fixtures").join(&provider);
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let listed = table(&readme, "Files")
            .into_iter()
            .map(|row| (row[0].trim_matches('`').to_owned(), row[1].clone()))
            .collect();
        let counts = table(&readme, "Examples per section")
            .into_iter()
            .map(|row| {
                (
                    row[0].clone(),
                    (row[1].parse().unwrap(), row[2].parse().unwrap()),
                )
            })
            .collect();
        let files = names(&dir)
            .into_iter()
            .filter(|n| n != "README.md")
            .collect();
        Folder {
            provider,
            files,
            listed,
            counts,
        }
    }

    fn text(&self, file: &str) -> String {
        std::fs::read_to_string(repo().join("fixtures").join(&self.provider).join(file)).unwrap()
    }
}

/// Every provider folder of `fixtures/`.
fn folders() -> Vec<Folder> {
    let root = repo().join("fixtures");
    let folders: Vec<Folder> = names(&root)
        .into_iter()
        .filter(|name| root.join(name).is_dir())
        .map(Folder::read)
        .collect();
    assert!(folders.len() >= 3);
    folders
}

#[test]
fn every_fixture_is_listed_in_its_readme_and_nothing_else() {
    for f in folders() {
        let listed: Vec<&String> = f.listed.keys().collect();
        let files: Vec<&String> = f.files.iter().collect();
        assert_eq!(files, listed, "fixtures/{} vs its README", f.provider);
        assert!(!f.files.is_empty());
    }
}

#[test]
fn every_json_fixture_parses_and_every_published_copy_does_not() {
    for f in folders() {
        for file in &f.files {
            let text = f.text(file);
            let parsed = serde_json::from_str::<serde_json::Value>(&text);
            if file.ends_with(".json") {
                parsed.unwrap_or_else(|e| panic!("fixtures/{}/{file}: {e}", f.provider));
            } else {
                assert!(file.ends_with(PUBLISHED), "fixtures/{}/{file}", f.provider);
                assert!(parsed.is_err(), "fixtures/{}/{file} is JSON", f.provider);
            }
        }
    }
}

#[test]
fn every_published_copy_has_a_repaired_json_in_its_section() {
    for f in folders() {
        for (file, section) in &f.listed {
            let Some(stem) = file.strip_suffix(PUBLISHED) else {
                continue;
            };
            let stem = stem.split(".part-").next().unwrap();
            let repaired = format!("{stem}.json");
            assert_eq!(
                f.listed.get(&repaired),
                Some(section),
                "fixtures/{}/{file}: no {repaired} in its section",
                f.provider
            );
        }
    }
}

#[test]
fn fixtures_per_section_match_the_readme_counts() {
    for f in folders() {
        let mut found: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (file, section) in &f.listed {
            let n = found.entry(section.clone()).or_default();
            if file.ends_with(".json") {
                n.0 += 1;
            } else {
                n.1 += 1;
            }
        }
        assert_eq!(found, f.counts, "fixtures/{}", f.provider);
    }
}

/// The Rust sources under `dir`, recursively.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && entry.file_name() != "target" {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A fixture nobody reads is a document example nobody checks. `cargo xtask fuzz` seeds from
/// whole folders, so it does not count as a reader here.
#[test]
fn every_fixture_is_read_by_a_test_or_the_bench() {
    let mut files = Vec::new();
    for dir in ["crates", "tests/tests", "xtask/src/bench"] {
        sources(&repo().join(dir), &mut files);
    }
    let code: String = files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for f in folders() {
        for file in &f.files {
            assert!(
                code.contains(&format!("{file}\"")),
                "fixtures/{}/{file} is read by no test",
                f.provider
            );
        }
    }
}
