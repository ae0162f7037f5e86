//! Paths to the workspace and to the tools `make setup` installs.

use std::path::{Path, PathBuf};

/// The workspace root (where template.yaml is).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("infra/ sits in the workspace root")
        .to_path_buf()
}

/// A command from the project's virtualenv (`.venv/bin/<name>`), which
/// `make setup` fills with pinned versions of ministack, sam, cfn-lint,
/// cargo-lambda and the aws CLI.
pub fn venv_bin(name: &str) -> PathBuf {
    workspace_root().join(".venv/bin").join(name)
}

/// The sample events of `binary` (`events/<binary>/*.json` under `root`),
/// sorted by name; none when it has no folder. The one lister of sample
/// events, for the dev loop and the benchmark.
pub fn sample_events(root: &Path, binary: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(root.join("events").join(binary)) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// A free TCP port on loopback, for a process the caller is about to start.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("loopback has free ports")
}

/// `PATH` with the virtualenv first, for tools that find each other on it
/// (sam runs `cargo lambda`).
pub fn path_with_venv() -> String {
    let venv = venv_bin("").display().to_string();
    format!("{venv}:{}", std::env::var("PATH").unwrap_or_default())
}
