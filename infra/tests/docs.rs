//! The docs say what the repo does: every Makefile target is in `make
//! help` and in the README, and the README's numbered list of MiniStack
//! gaps is the list the e2e tests pin, number for number.

use std::collections::BTreeSet;

use rightnow_infra::tools::workspace_root;

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path)).unwrap()
}

/// The Makefile's rules (`name:` at the start of a line, not a variable).
fn make_targets() -> BTreeSet<String> {
    read("Makefile")
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(':')?;
            let ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !rest.starts_with('=');
            ok.then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn every_make_target_has_a_help_line_and_a_readme_row() {
    let makefile = read("Makefile");
    let readme = read("README.md");
    let targets = make_targets();
    assert!(
        targets.contains("dev") && targets.contains("test"),
        "{targets:?}"
    );
    for t in &targets {
        assert!(
            makefile.contains(&format!("\n## {t}: ")),
            "make {t} has no `## {t}: ...` line, so `make help` omits it"
        );
        assert!(
            readme.contains(&format!("| `make {t}` |")),
            "make {t} is missing from the README's table of targets"
        );
    }
    let phony = makefile
        .lines()
        .find_map(|l| l.strip_prefix(".PHONY:"))
        .expect(".PHONY line");
    for p in phony.split_whitespace() {
        assert!(targets.contains(p), ".PHONY names {p}, which is no target");
    }
}

#[test]
fn the_readmes_gaps_are_the_ones_the_tests_pin() {
    let readme = read("README.md");
    let section = readme
        .split("## The local cloud and its known gaps")
        .nth(1)
        .expect("the README's gaps section");
    let numbered: Vec<usize> = section
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.split_once(". ")?.0.parse().ok())
        .collect();
    let tests = read("tests/e2e/ministack_gaps.rs");
    let pinned: Vec<usize> = tests
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("async ")
                .unwrap_or(l)
                .strip_prefix("fn gap_")?;
            rest.split('_').next()?.parse().ok()
        })
        .collect();
    assert!(!numbered.is_empty());
    assert_eq!(numbered, (1..=numbered.len()).collect::<Vec<_>>());
    assert_eq!(
        pinned, numbered,
        "README gaps vs tests/e2e/ministack_gaps.rs"
    );
}
