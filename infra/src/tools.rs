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

/// `cmd` without the variables cargo sets for the program it runs (`cargo
/// run`, `cargo test`: `CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...). A build
/// started from here would otherwise inherit them, and a build script that
/// reads one (ring's reads `CARGO_MANIFEST_DIR`) would count as changed
/// beside a build started from a shell: the same code built twice.
pub fn without_cargo_run_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if is_cargo_run_var(name) {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn is_cargo_run_var(name: &str) -> bool {
    name == "CARGO"
        || name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || name.starts_with("CARGO_BIN_")
        || matches!(
            name,
            "CARGO_CRATE_NAME" | "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_cargo_sets_for_a_run_is_dropped() {
        for set_by_cargo in [
            "CARGO",
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_BIN_EXE_x",
        ] {
            assert!(is_cargo_run_var(set_by_cargo), "{set_by_cargo}");
        }
        for users_own in [
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_INCREMENTAL",
            "PATH",
        ] {
            assert!(!is_cargo_run_var(users_own), "{users_own}");
        }
        // This test runs under cargo, so the variables are there to drop.
        let mut cmd = std::process::Command::new("env");
        without_cargo_run_env(&mut cmd);
        let removed: Vec<_> = cmd.get_envs().filter(|(_, v)| v.is_none()).collect();
        assert!(
            removed.iter().any(|(k, _)| *k == "CARGO_MANIFEST_DIR"),
            "{removed:?}"
        );
    }
}
