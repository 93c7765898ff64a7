//! Lists the golden vectors (`tests/vectors/*.json`) for the WASM test runner, which has no file
//! system: `$OUT_DIR/vectors.rs` holds `(file name, include_str!(path))` for each file.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let mut out = String::from(
        "/// Every golden vector file: name and text.\npub(crate) const VECTORS: &[(&str, &str)] = &[\n",
    );
    for p in &files {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let path = p.canonicalize().unwrap_or_else(|_| p.clone());
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");
    let target = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("vectors.rs");
    if let Err(e) = fs::write(&target, out) {
        println!("cargo:warning=cannot write {}: {e}", target.display());
    }
}
