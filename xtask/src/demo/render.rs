//! How the demo writes: a section per service, one line per call (what was asked, what came back,
//! in aligned columns), lists as small tables, errors as their `Display`. With `--verbose` each
//! answer is followed by its full `Debug` form.

use std::fmt::{Debug, Display};
use std::io::{self, Write};

/// A column of a table: its header and its alignment.
#[derive(Clone, Copy)]
pub enum Col {
    /// Left-aligned (text).
    L(&'static str),
    /// Right-aligned (numbers, money).
    R(&'static str),
}

/// How a column shows its cell of a list's element.
pub type Cell<T> = fn(&T) -> String;

/// One item of a section.
enum Item {
    /// A call: what was asked, what came back, then detail lines (a table, the `Debug` form).
    Call {
        asked: String,
        answer: String,
        detail: Vec<String>,
    },
    /// A free line of text.
    Note(String),
}

/// One service's part of the demo; written out at once by [`Section::write`] so that the
/// answers of all its calls line up.
pub struct Section {
    title: String,
    verbose: bool,
    items: Vec<Item>,
}

/// The widest "asked" column before answers stop lining up with longer ones.
const MAX_ASKED: usize = 60;

impl Section {
    /// An empty section under `title`.
    pub fn new(title: &str, verbose: bool) -> Self {
        Section {
            title: title.to_owned(),
            verbose,
            items: Vec::new(),
        }
    }

    /// Records a call: on success `said` puts the answer in words, on failure the error's
    /// `Display` is shown.
    pub fn call<T: Debug, E: Display>(
        &mut self,
        asked: &str,
        result: &Result<T, E>,
        said: impl FnOnce(&T) -> String,
    ) {
        self.record(asked, result, said, Vec::new());
    }

    /// Records a call answering a list: the answer says how many `noun`s came back, and a table
    /// of `cols` (each a header and how to show its cell) shows one row per element.
    pub fn list<T: Debug, E: Display>(
        &mut self,
        asked: &str,
        result: &Result<Vec<T>, E>,
        noun: &str,
        cols: &[(Col, Cell<T>)],
    ) {
        let lines = match result {
            Ok(v) if !v.is_empty() => {
                let rows: Vec<Vec<String>> = (v
                    .iter()
                    .map(|x| cols.iter().map(|(_, cell)| cell(x)).collect()))
                .collect();
                table(&cols.iter().map(|(c, _)| *c).collect::<Vec<_>>(), &rows)
            }
            _ => Vec::new(),
        };
        self.record(asked, result, |v| count(v.len(), noun), lines);
    }

    /// Records a call with `detail` under it, then (with `--verbose`) its `Debug` form.
    fn record<T: Debug, E: Display>(
        &mut self,
        asked: &str,
        result: &Result<T, E>,
        said: impl FnOnce(&T) -> String,
        mut detail: Vec<String>,
    ) {
        let (answer, debug) = match result {
            Ok(v) => (said(v), format!("{v:?}")),
            Err(e) => (format!("error: {e}"), format!("error: {e}")),
        };
        if self.verbose {
            detail.push(format!("debug: {debug}"));
        }
        self.items.push(Item::Call {
            asked: asked.to_owned(),
            answer,
            detail,
        });
    }

    /// Records a line of text.
    pub fn note(&mut self, text: impl Into<String>) {
        self.items.push(Item::Note(text.into()));
    }

    /// Writes the section: the title, then each call with its answer in one aligned column.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let width = self
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Call { asked, .. } => Some(chars(asked)),
                Item::Note(_) => None,
            })
            .filter(|w| *w <= MAX_ASKED)
            .max()
            .unwrap_or(0);
        writeln!(out)?;
        writeln!(out, "{}", self.title)?;
        writeln!(out, "{}", "-".repeat(chars(&self.title)))?;
        for item in &self.items {
            match item {
                Item::Call {
                    asked,
                    answer,
                    detail,
                } => {
                    writeln!(out, "  {}  {answer}", pad(asked, width))?;
                    for line in detail {
                        writeln!(out, "      {line}")?;
                    }
                }
                Item::Note(text) => writeln!(out, "  {text}")?,
            }
        }
        Ok(())
    }
}

/// `1 coupon`, `3 coupons`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `yes` or `no`.
pub fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Lays out a table: a header line, then one line per row, columns padded to their widest cell.
pub fn table(cols: &[Col], rows: &[Vec<String>]) -> Vec<String> {
    let header: Vec<String> = cols
        .iter()
        .map(|c| match c {
            Col::L(h) | Col::R(h) => (*h).to_owned(),
        })
        .collect();
    let widths: Vec<usize> = (0..cols.len())
        .map(|i| {
            std::iter::once(&header)
                .chain(rows)
                .map(|r| r.get(i).map_or(0, |c| chars(c)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    std::iter::once(&header)
        .chain(rows)
        .map(|r| {
            let cells: Vec<String> = cols
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (col, w))| {
                    let cell = r.get(i).map_or("", String::as_str);
                    match col {
                        Col::L(_) => pad(cell, *w),
                        Col::R(_) => format!("{}{cell}", " ".repeat(w - chars(cell))),
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned()
        })
        .collect()
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(chars(s))))
}

/// A Unix time as `2023-11-14 19:26 UTC`.
pub fn date(unix: i64) -> String {
    let (y, m, d) = tg_mock::tgmembership::civil(unix);
    let secs = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
        assert_eq!(date(1_699_990_000), "2023-11-14 19:26 UTC");
        assert_eq!(date(1_709_208_000), "2024-02-29 12:00 UTC");
        assert_eq!(date(-86_400), "1969-12-31 00:00 UTC");
    }

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let rows = vec![
            vec!["Вася".to_owned(), "1.00 EUR".to_owned()],
            vec!["Tom".to_owned(), "12.50 EUR".to_owned()],
        ];
        assert_eq!(
            table(&[Col::L("name"), Col::R("amount")], &rows),
            ["name     amount", "Вася   1.00 EUR", "Tom   12.50 EUR"]
        );
    }

    #[test]
    fn answers_line_up_and_verbose_adds_debug() {
        let mut s = Section::new("T", false);
        s.call("short", &Ok::<_, String>(1), |n| format!("got {n}"));
        s.call("much longer", &Err::<u8, _>("boom"), |_| String::new());
        let mut out = Vec::new();
        s.write(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\nT\n-\n  short        got 1\n  much longer  error: boom\n"
        );
        let mut v = Section::new("T", true);
        v.call("a", &Ok::<_, String>(Some(1)), |_| "one".to_owned());
        let mut out = Vec::new();
        v.write(&mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("debug: Some(1)"));
    }
}
