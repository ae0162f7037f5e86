//! The README's table of error codes is the API's: the same codes, with
//! the same statuses, and no other.

use rightnow_http::ErrorCode;

#[test]
fn the_readme_lists_every_error_code_with_its_status() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    // Rows of the form "| 404 | `page_not_found` | ... |".
    let documented: Vec<(u16, String)> = readme
        .lines()
        .filter_map(|l| {
            let mut cells = l.split('|').map(str::trim).skip(1);
            let status = cells.next()?.parse().ok()?;
            let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
            Some((status, code.to_owned()))
        })
        .collect();
    let api: Vec<(u16, String)> = ErrorCode::ALL
        .iter()
        .map(|c| (c.status().as_u16(), c.as_str().to_owned()))
        .collect();
    assert_eq!(documented, api);
}
