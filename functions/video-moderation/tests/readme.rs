//! The README's table of rejection reasons lists exactly the codes the
//! domain gives (`Reason::CODES`), so the page users read stays true.

use rightnow_domain::moderation::Reason;

#[test]
fn the_readme_lists_every_reason_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## Moderation")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Moderation section");
    let listed: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(listed, Reason::CODES, "README table vs Reason::CODES");
}
