//! Test artefacts (screenshots, the HTML of a failed page) under `target/e2e-artifacts/`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// `target/e2e-artifacts/`, created if needed. Found from the test executable
/// (`target/debug/deps/e2e-…`), so that it follows `CARGO_TARGET_DIR`.
pub fn dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("test executable path")?;
    let target = exe
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
            Path::to_path_buf,
        );
    let dir = target.join("e2e-artifacts");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Writes `bytes` to `target/e2e-artifacts/NAME`; returns the path.
pub fn save(name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let path = dir()?.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
