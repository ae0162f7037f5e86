//! The site in a real browser: Debian's Chromium, driven by playwright-core
//! (tests/browser/site.mjs), against the stack deployed from the template,
//! through a front door that serves site/ with the template's headers and
//! /api/* from the local API Gateway, as CloudFront does. The script's
//! steps and their screenshots (under target/browser/) are its own; this
//! test gives it the stack, a report to show, and a time limit.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rightnow_infra::front_door::FrontDoor;
use rightnow_infra::ministack;
use rightnow_infra::process::ChildGroup;
use rightnow_infra::tools::workspace_root;
use serde_json::json;

use crate::stack;

/// The longest the script may take: two moderations and a dozen pages.
const LIMIT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
async fn a_visitor_reads_comments_chats_uploads_and_opens_the_report() {
    let root = workspace_root();
    let script = root.join("tests/browser/site.mjs");
    assert!(
        root.join("tests/browser/node_modules/playwright-core")
            .is_dir(),
        "playwright-core is not installed: run `make setup`"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: run `make setup`"
    );

    // GIVEN the stack, the site on one origin with it, and a report of
    // today for the home page to show
    let api_url = stack().api_url().unwrap();
    let door = FrontDoor::start(0, api_url, &ministack::shared().endpoint())
        .await
        .unwrap();
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let report = crate::reports::run(json!({ "date": today })).await;
    assert_eq!(report.status, "SUCCEEDED", "{report:?}");

    // WHEN a visitor goes through it in Chromium
    let out = root.join("target/browser");
    std::fs::create_dir_all(&out).unwrap();
    let log = std::fs::File::create(out.join("site.log")).unwrap();
    let mut cmd = Command::new("node");
    cmd.arg(&script)
        .current_dir(root.join("tests/browser"))
        .env("SITE_URL", &door.url)
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOTS", &out)
        .env("VIDEO_OK", root.join("tests/fixtures/videos/h264.mp4"))
        .env(
            "VIDEO_BAD",
            root.join("tests/fixtures/videos/audio-only.mp4"),
        )
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut node = ChildGroup::spawn("the browser script", cmd).unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        loop {
            if let Some(status) = node.child().try_wait().unwrap() {
                return Some(status);
            }
            if start.elapsed() > LIMIT {
                node.stop();
                return None;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    })
    .await
    .unwrap();

    // THEN every step passed
    let printed = std::fs::read_to_string(out.join("site.log")).unwrap_or_default();
    let status = status.unwrap_or_else(|| panic!("over {LIMIT:?}:\n{printed}"));
    assert!(status.success(), "{status}:\n{printed}");
    assert!(printed.lines().any(|l| l.starts_with("ok ")), "{printed}");
    drop(door);
}
