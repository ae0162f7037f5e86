//! Every file of every fuzz target's corpus (`fuzz/corpus/<target>/`, what
//! `make fuzz` found worth keeping, crashes found and fixed among them),
//! and the samples each target starts from, replayed through the target:
//! `make test` runs what the fuzzer runs, without the nightly toolchain.

use std::path::{Path, PathBuf};

use rightnow_fuzzing::TARGETS;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directories a target's inputs come from: its corpus, and the
/// repository's own samples of its input that `fuzz/seeds` names.
fn seed_dirs(target: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root().join("fuzz/corpus").join(target)];
    let seeds = std::fs::read_to_string(root().join("fuzz/seeds")).unwrap();
    for line in seeds.lines().filter(|l| !l.starts_with('#')) {
        if let Some((t, dir)) = line.split_once(' ')
            && t == target
        {
            dirs.push(root().join(dir.trim()));
        }
    }
    dirs
}

#[test]
fn every_corpus_file_passes_its_target() {
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let mut files = 0;
        for dir in seed_dirs(name) {
            let entries = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e} (every target has a corpus)", dir.display()));
            for entry in entries {
                let path = entry.unwrap().path();
                if !path.is_file() || path.extension().is_some_and(|e| e == "md") {
                    continue;
                }
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(outcome.is_ok(), "{name} fails on {}", path.display());
                files += 1;
            }
        }
        assert!(files > 0, "{name} has no corpus to replay");
        replayed += files;
    }
    eprintln!(
        "replayed {replayed} inputs through {} targets",
        TARGETS.len()
    );
}

#[test]
fn every_target_has_its_cargo_fuzz_entry() {
    for (name, _) in TARGETS {
        let entry = root().join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text =
            std::fs::read_to_string(&entry).unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
        assert!(
            text.contains(&format!("rightnow_fuzzing::{name}(")),
            "{} does not call rightnow_fuzzing::{name}",
            entry.display()
        );
    }
}
