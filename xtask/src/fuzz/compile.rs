//! The compiler's verdict on accepted fuzz cases: their generated modules are laid out as
//! sibling modules of one scratch crate under `target/fuzz/` (one `cargo check` for the whole
//! sample), built against the runtime crate, and every error is traced back to its case.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Case;
use crate::ensure::write_atomically;

/// Where the scratch crate and its build live, under the workspace root.
pub const SCRATCH_DIR: &str = "target/fuzz";

/// A case the compiler refused: its id, its spec and the first errors.
#[derive(Debug, Clone)]
pub struct CompileFailure {
    /// The case's id in its campaign.
    pub id: u64,
    /// The mutated spec.
    pub text: String,
    /// The compiler's error messages (rendered), at most ten.
    pub errors: Vec<String>,
}

/// Compiles the generated modules of `cases` against the runtime crate. Returns the cases the
/// compiler refused, or why the check could not run.
pub fn compile(root: &Path, cases: &[Case]) -> Result<Vec<CompileFailure>, String> {
    let dir = root.join(SCRATCH_DIR).join("sample");
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    write_crate(root, &dir, cases)?;
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .arg("check")
        .arg("--quiet")
        .arg("--message-format=json")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join(SCRATCH_DIR).join("target"))
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut errors = errors_by_case(&String::from_utf8_lossy(&output.stdout));
    if !output.status.success() && errors.is_empty() {
        return Err(format!(
            "cargo check failed without a compiler error:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    if let Some(stray) = errors.remove(&u64::MAX) {
        return Err(format!("the scratch crate does not build:\n{}", stray.join("\n")));
    }
    Ok(cases
        .iter()
        .filter_map(|case| {
            let errors = errors.remove(&case.id)?;
            Some(CompileFailure { id: case.id, text: case.text.clone(), errors })
        })
        .collect())
}

fn module_name(id: u64) -> String {
    format!("case_{id:07}")
}

fn write_crate(root: &Path, dir: &Path, cases: &[Case]) -> Result<(), String> {
    let write = |path: PathBuf, contents: &str| {
        write_atomically(&path, contents.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), &manifest(root))?;
    if let Ok(lock) = fs::read(root.join("Cargo.lock")) {
        write_atomically(&dir.join("Cargo.lock"), &lock)
            .map_err(|e| format!("cannot write the scratch Cargo.lock: {e}"))?;
    }
    let mut lib = String::from("//! Accepted fuzz cases, one module each.\n\n");
    let target = codegen::Target { spec_name: "fuzz.json", crate_name: "fuzz", version: "0.0.0" };
    for case in cases {
        let module = module_name(case.id);
        let files = codegen::generate(&case.text, &target)
            .map_err(|_| format!("case {} is no longer accepted", case.id))?;
        let mut root_module = String::new();
        for file in files {
            let name = file.path.trim_start_matches("src/");
            write(dir.join("src").join(&module).join(name), &file.contents)?;
            root_module.push_str(&format!("pub mod {};\n", name.trim_end_matches(".rs")));
        }
        write(dir.join("src").join(&module).join("mod.rs"), &root_module)?;
        write(dir.join("src").join(&module).join("spec.json"), &case.text)?;
        lib.push_str(&format!("pub mod {module};\n"));
    }
    write(dir.join("src/lib.rs"), &lib)
}

fn manifest(root: &Path) -> String {
    let runtime = root.join("runtime");
    format!(
        "[package]\n\
         name = \"fuzz-sample\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         mde-runtime = {{ path = {runtime:?} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\n\
         serde_json = \"1\"\n\
         tokio = {{ version = \"1\", default-features = false, features = [\"time\", \"sync\", \"io-util\"] }}\n\
         \n\
         [workspace]\n"
    )
}

/// Compiler errors grouped by the case whose module they point into.
fn errors_by_case(json_lines: &str) -> BTreeMap<u64, Vec<String>> {
    let mut out: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for line in json_lines.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let message = &value["message"];
        if value["reason"] != "compiler-message" || message["level"] != "error" {
            continue;
        }
        let rendered = message["rendered"].as_str().unwrap_or_default().to_owned();
        let case = message["spans"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|span| span["file_name"].as_str())
            .find_map(case_of_file)
            .unwrap_or(u64::MAX);
        let errors = out.entry(case).or_default();
        if errors.len() < 10 {
            errors.push(rendered);
        }
    }
    out
}

fn case_of_file(file: &str) -> Option<u64> {
    let rest = &file[file.find("case_")? + "case_".len()..];
    rest.get(..7)?.parse().ok()
}
