//! Which binaries to measure, and building them as they ship.
//!
//! No list to maintain: every package whose manifest is under `functions/`
//! and has a bin target is a Lambda function (that is the workspace's
//! layout rule), and `bench-floor` is the floor every function is compared
//! with. A new function is measured the day it is added.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use cargo_metadata::{Metadata, MetadataCommand};

/// The package of the floor: a bare lambda_runtime echo function.
pub const FLOOR_PACKAGE: &str = "bench-floor";

/// What a binary is to the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A function of the app (under `functions/`).
    Function,
    /// The floor: the least a Rust Lambda function can be.
    Floor,
}

/// One Lambda binary of the workspace.
#[derive(Debug, Clone)]
pub struct Binary {
    /// The package that holds it.
    pub package: String,
    /// The bin target's name: the template's `BuildProperties.Binary`, and
    /// the folder cargo-lambda writes `bootstrap` into.
    pub name: String,
    /// A function of the app, or the floor.
    pub kind: Kind,
}

/// The workspace as `cargo metadata` sees it.
#[derive(Debug)]
pub struct Workspace {
    /// The workspace root.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// The functions by name, then the floor.
    pub binaries: Vec<Binary>,
    /// Packages under `functions/` and their bench targets (for criterion).
    pub benches: Vec<(String, String)>,
}

impl Workspace {
    /// Where cargo-lambda puts a binary's `bootstrap`.
    pub fn built(&self, bin: &Binary) -> PathBuf {
        self.target_dir
            .join("lambda")
            .join(&bin.name)
            .join("bootstrap")
    }

    /// Where `make build-arm64` puts a binary's arm64 `bootstrap`.
    pub fn arm64(&self, bin: &Binary) -> PathBuf {
        self.target_dir
            .join("lambda-arm64")
            .join(&bin.name)
            .join("bootstrap")
    }

    /// The copy the benchmark measures (see [`stage`]).
    pub fn bootstrap(&self, bin: &Binary) -> PathBuf {
        self.scratch().join("bin").join(&bin.name).join("bootstrap")
    }

    /// Scratch space for logs and callgrind output (under target/, never
    /// committed).
    pub fn scratch(&self) -> PathBuf {
        self.target_dir.join("bench")
    }

    /// The floor, if the workspace has it.
    pub fn floor(&self) -> Option<&Binary> {
        self.binaries.iter().find(|b| b.kind == Kind::Floor)
    }
}

/// Reads the workspace with `cargo metadata --no-deps` run in `root`.
pub fn workspace(root: &Path) -> Result<Workspace> {
    let meta = MetadataCommand::new()
        .cargo_path(cargo())
        .current_dir(root)
        .no_deps()
        .exec()
        .context("running cargo metadata")?;
    Ok(from_metadata(meta))
}

fn from_metadata(meta: Metadata) -> Workspace {
    let functions = meta.workspace_root.join("functions");
    let mut binaries = Vec::new();
    let mut benches = Vec::new();
    for pkg in &meta.packages {
        let kind = if pkg.manifest_path.starts_with(&functions) {
            Kind::Function
        } else if pkg.name == FLOOR_PACKAGE {
            Kind::Floor
        } else {
            continue;
        };
        for t in &pkg.targets {
            if t.is_bin() {
                binaries.push(Binary {
                    package: pkg.name.to_string(),
                    name: t.name.clone(),
                    kind,
                });
            }
            if kind == Kind::Function && t.is_bench() {
                benches.push((pkg.name.to_string(), t.name.clone()));
            }
        }
    }
    // Functions by name, the floor last: the order of every table.
    binaries.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    Workspace {
        root: meta.workspace_root.into_std_path_buf(),
        target_dir: meta.target_directory.into_std_path_buf(),
        binaries,
        benches,
    }
}

/// `cargo`, as the one that runs us if any (so `cargo run` and `cargo test`
/// use the same toolchain for the builds they start).
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into())
}

/// Builds `bins` in release with cargo-lambda, as `sam build` does for the
/// template's functions (`rust-cargolambda` runs `cargo lambda build
/// --release --bin <name>`), with plain cargo as the compiler since the
/// binaries run on this machine. One build per binary, like sam: each gets
/// only its own package's features.
pub fn build(ws: &Workspace, bins: &[&Binary]) -> Result<()> {
    let venv = ws.root.join(".venv/bin");
    let cargo_lambda = venv.join("cargo-lambda");
    if !cargo_lambda.exists() {
        bail!(
            "{} is missing: run `make setup` first",
            cargo_lambda.display()
        );
    }
    let path = format!(
        "{}:{}",
        venv.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for bin in bins {
        let started = Instant::now();
        eprintln!("building {} (cargo lambda build --release)", bin.name);
        let status = Command::new(&cargo_lambda)
            .current_dir(&ws.root)
            .env("PATH", &path)
            .args(["lambda", "build", "--release", "--compiler", "cargo"])
            .args(["--package", &bin.package, "--bin", &bin.name])
            .status()
            .with_context(|| format!("running {}", cargo_lambda.display()))?;
        if !status.success() {
            bail!("cargo lambda build of {} failed ({status})", bin.name);
        }
        stage(ws, bin)?;
        eprintln!("built {} in {:.1?}", bin.name, started.elapsed());
    }
    Ok(())
}

/// Copies `target/lambda/<bin>/bootstrap` to the benchmark's own folder,
/// and checks that it is a release build.
///
/// target/lambda is shared: `sam build` in debug mode (`make dev`, some
/// tests) writes the same path, and a debug binary measured by mistake
/// would be several times slower and bigger. Copying right after the build
/// keeps the measured file fixed for the whole run; a debug build is
/// recognised by its `.debug_*` sections, which the release profile never
/// emits.
pub fn stage(ws: &Workspace, bin: &Binary) -> Result<()> {
    let built = ws.built(bin);
    let bytes = std::fs::read(&built)
        .with_context(|| format!("reading {} (not built?)", built.display()))?;
    let sections = crate::size::elf_sections(&bytes)
        .with_context(|| format!("{} is not an ELF64 executable", built.display()))?;
    if sections.iter().any(|s| s.starts_with(".debug_")) {
        bail!(
            "{} is a debug build (another build, e.g. sam build in debug mode, wrote it \
             meanwhile); run again, or without --no-build",
            built.display()
        );
    }
    let staged = ws.bootstrap(bin);
    if let Some(dir) = staged.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&staged, &bytes).with_context(|| format!("writing {}", staged.display()))?;
    let mut perms = std::fs::metadata(&staged)?.permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&staged, perms)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A package as `cargo metadata` describes it, with only what
    /// [`Metadata`] requires besides the name, manifest and targets.
    fn package(name: &str, manifest: &str, targets: &[(&str, &str)]) -> serde_json::Value {
        let dir = manifest.trim_end_matches("/Cargo.toml");
        let targets: Vec<_> = targets
            .iter()
            .map(|(name, kind)| {
                serde_json::json!({
                    "name": name, "kind": [kind], "src_path": format!("{dir}/src/{name}.rs"),
                })
            })
            .collect();
        serde_json::json!({
            "name": name, "version": "0.1.0", "id": format!("path+file://{dir}#{name}@0.1.0"),
            "dependencies": [], "features": {},
            "manifest_path": manifest, "targets": targets,
        })
    }

    fn meta(packages: Vec<serde_json::Value>) -> Metadata {
        serde_json::from_value(serde_json::json!({
            "packages": packages,
            "workspace_members": [],
            "resolve": null,
            "workspace_root": "/w",
            "target_directory": "/w/target",
            "version": 1,
        }))
        .unwrap()
    }

    #[test]
    fn functions_are_the_bin_packages_under_functions_plus_the_floor() {
        let ws = from_metadata(meta(vec![
            package(
                "site-api",
                "/w/functions/site-api/Cargo.toml",
                &[
                    ("site_api", "lib"),
                    ("site-api", "bin"),
                    ("handlers", "bench"),
                ],
            ),
            package(
                "rightnow-infra",
                "/w/infra/Cargo.toml",
                &[("rightnow-local", "bin")],
            ),
            package(
                "bench-floor",
                "/w/bench/floor/Cargo.toml",
                &[("bench-floor", "bin")],
            ),
            package(
                "chatbot",
                "/w/functions/chatbot/Cargo.toml",
                &[("chatbot", "bin")],
            ),
        ]));
        let names: Vec<_> = ws.binaries.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["chatbot", "site-api", "bench-floor"]);
        assert_eq!(ws.floor().map(|b| b.kind), Some(Kind::Floor));
        assert_eq!(ws.benches, [("site-api".into(), "handlers".into())]);
        assert_eq!(
            ws.built(&ws.binaries[1]),
            Path::new("/w/target/lambda/site-api/bootstrap")
        );
        assert_eq!(
            ws.bootstrap(&ws.binaries[1]),
            Path::new("/w/target/bench/bin/site-api/bootstrap")
        );
    }
}
