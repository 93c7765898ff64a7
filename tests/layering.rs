//! The core's shape, checked (issue 13): every file in `src/` is at most 400 lines, and the
//! modules form layers — each `crate::` reference points down the table below (or across one
//! row), never up — so no module imports one that imports it back, directly or around a loop.
//! `wire` (the string surface the bindings call) is on top, and nothing in `src/` names it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, top first: bindings → wire → plan → codec → state, and the leaves they stand on.
const LAYERS: &[&[&str]] = &[
    &["wire"],
    &["backup"],
    &["plan"],
    &["canonical"],
    &["codec"],
    &["migrate", "keys", "ttl"],
    &["validate"],
    &["state"],
    &["kinds"],
    &["field"],
    &["options", "scripts"],
    &["values", "time", "command", "replies", "compress"],
    &["json"],
    &["error"],
];

const MAX_LINES: usize = 400;

/// Every `.rs` file under `dir`, as (path, text).
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).expect("read file");
            out.push((path.display().to_string(), text));
        }
    }
}

/// The top-level module a file belongs to (`src/plan/write.rs` → `plan`).
fn module_of(path: &str) -> String {
    let rel = path.split("src/").nth(1).unwrap_or(path);
    rel.split('/').next().unwrap_or(rel).trim_end_matches(".rs").to_string()
}

/// Which top-level modules each module's code names through `crate::` (comments skipped).
fn edges(files: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let from = module_of(path);
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != from {
                    edges.entry(from.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|row| row.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of tests/layering.rs"))
}

#[test]
fn files_are_small_and_modules_form_layers() {
    let mut files = Vec::new();
    sources(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    assert!(files.len() > 20, "found only {} files", files.len());
    let long: Vec<String> = files
        .iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(path, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");

    let mut upward = Vec::new();
    for (from, tos) in edges(&files) {
        if from == "lib" {
            continue; // the crate root declares and re-exports every module
        }
        for to in tos {
            if layer_of(&to) < layer_of(&from) {
                upward.push(format!("{from} -> {to}"));
            }
            if to == "wire" {
                upward.push(format!("{from} -> wire (nothing in src/ may use the string surface)"));
            }
        }
    }
    assert!(upward.is_empty(), "references pointing up the layers: {upward:?}");
}

#[test]
fn modules_of_one_row_do_not_name_each_other() {
    // Within a row, a reference would let two modules import each other unnoticed.
    let mut files = Vec::new();
    sources(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut files);
    let edges = edges(&files);
    for (from, tos) in &edges {
        for to in tos {
            let same_row = from != "lib" && layer_of(from) == layer_of(to);
            assert!(!same_row, "{from} -> {to}: same layer");
        }
    }
}
