//! Faults survived: the local AWS frozen (SIGSTOP) under a stream of
//! comment posts, then resumed (SIGCONT).
//!
//! Locally MiniStack is the gateway as well as the store, so frozen it
//! answers nothing at all; in the cloud they fail apart. So the stack is
//! deployed on a MiniStack of its own (the other tests' must not freeze),
//! and site-api is served straight from cargo lambda's emulator
//! ([`Direct`]): the same release artefact, the deployed environment, one
//! process per concurrent request as Lambda runs one sandbox per request.
//! Freezing MiniStack then freezes only what the function calls.
//!
//! What must hold: while frozen, the function answers within its timeout,
//! with 503 `unavailable` and `Retry-After`, never a 500 and never a hang;
//! afterwards each comment that got a 201 is stored once, and each comment
//! sent with an `Idempotency-Key` and retried until answered is stored
//! once, although the store, resumed, serves the writes its callers had
//! given up on (see [`MiniStack::pause`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rightnow_infra::direct::Direct;
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::template::Template;
use serde_json::{Value, json};

/// Writers at once, and function processes: one sandbox each.
const WRITERS: usize = 4;
/// How long MiniStack stays frozen: longer than a call's whole budget
/// (`SDK_OPERATION_TIMEOUT_MS`), so that calls do give up.
const FROZEN: Duration = Duration::from_secs(10);
/// How long a keyed comment is retried before the test gives up on it.
const RETRY_FOR: Duration = Duration::from_secs(60);

/// One attempt at posting a comment, as the client saw it.
#[derive(Debug, Clone)]
struct Attempt {
    status: u16,
    code: String,
    retry_after: Option<String>,
    took: Duration,
}

/// One comment the client meant to post, and what became of it.
#[derive(Debug)]
struct Sent {
    body: String,
    keyed: bool,
    attempts: Vec<Attempt>,
}

impl Sent {
    fn created(&self) -> bool {
        self.attempts.iter().any(|a| a.status == 201)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_store_is_503_in_time_and_no_comment_is_lost_or_doubled() {
    // GIVEN the stack on a MiniStack of its own, site-api served directly
    let mut ms = MiniStack::start(None).expect("MiniStack");
    let stack = crate::deploy_on(&ms, "rightnow-faults", "bench");
    let function = Template::project()
        .unwrap()
        .functions()
        .into_iter()
        .find(|f| f.binary == "site-api")
        .unwrap();
    let timeout = Duration::from_secs(function.timeout_s);
    let direct = Direct::start(&ms, &stack, &function, WRITERS)
        .await
        .expect("site-api served directly");
    let base = direct.url();
    let slug = crate::api::fresh_slug("faults");
    // No call may wait past the function's timeout by much: one that does
    // is a hang, and fails the test.
    let http = reqwest::Client::builder()
        .timeout(timeout + Duration::from_secs(5))
        .build()
        .unwrap();
    let views = http
        .post(format!("{base}/api/pages/{slug}/views"))
        .send()
        .await
        .expect("site-api answers");
    assert_eq!(views.status(), 200, "see {}", direct.log().display());

    // WHEN comments stream in, half of them keyed and retried until
    // answered, and MiniStack freezes for longer than a call's budget
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (http, stop) = (http.clone(), stop.clone());
            let path = format!("{base}/api/pages/{slug}/comments");
            tokio::spawn(async move { write_until(&http, &path, w, &stop).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let frozen_at = Instant::now();
    {
        let _frozen = ms.pause();
        tokio::time::sleep(FROZEN).await;
    }
    let frozen_for = frozen_at.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let mut sent = Vec::new();
    for w in writers {
        sent.extend(w.await.expect("writer"));
    }

    // THEN every answer came within the function's timeout, and was a 201,
    // a 503 to retry, or (a keyed retry of a write still held) a 409
    let attempts: Vec<(&Sent, &Attempt)> = sent
        .iter()
        .flat_map(|s| s.attempts.iter().map(move |a| (s, a)))
        .collect();
    for (s, a) in &attempts {
        assert!(a.took <= timeout, "{} took {:?}: {a:?}", s.body, a.took);
        let fine = match (a.status, a.code.as_str()) {
            (201, _) => true,
            (503, "unavailable") | (409, "request_in_progress") => {
                a.retry_after.is_some() && (a.status == 503 || s.keyed)
            }
            _ => false,
        };
        assert!(fine, "{}: {a:?}", s.body);
    }
    let unavailable = attempts.iter().filter(|(_, a)| a.status == 503).count();
    assert!(unavailable > 0, "MiniStack froze, yet nothing was a 503");
    let slowest = attempts.iter().map(|(_, a)| a.took).max().unwrap();

    // AND each comment with a 201, and each keyed one, is stored once
    let stored = stored_bodies(&http, &base, &slug).await;
    let mut landed_anyway = 0;
    for s in &sent {
        let copies = stored.get(&s.body).copied().unwrap_or(0);
        if s.keyed {
            assert!(
                s.created(),
                "keyed {} never answered: {:?}",
                s.body,
                s.attempts
            );
        }
        if s.created() {
            assert_eq!(
                copies, 1,
                "{} stored {copies} times: {:?}",
                s.body, s.attempts
            );
        } else {
            // Unkeyed and refused: the client cannot know if it landed.
            assert!(copies <= 1, "{} stored {copies} times", s.body);
            landed_anyway += copies;
        }
    }
    assert_eq!(
        stored.values().sum::<usize>(),
        stored.len(),
        "no comment twice"
    );
    // AND the page's count agrees with what is stored
    assert_eq!(page_count(&ms, &stack, &slug).await, stored.len());

    eprintln!(
        "faults: {} comments ({} keyed), {} attempts, {unavailable} were 503; frozen {frozen_for:.1?}, \
         slowest answer {slowest:.1?} (timeout {timeout:?}); {landed_anyway} refused unkeyed comments landed anyway",
        sent.len(),
        sent.iter().filter(|s| s.keyed).count(),
        attempts.len(),
    );
    drop(direct);
    ms.stop();
}

/// Posts comments from writer `w`, one at a time, until `stop`: every
/// other one with an `Idempotency-Key`, retried (as the site retries) on
/// a 503, a 409 or no answer until it is answered otherwise; the others
/// sent once.
async fn write_until(http: &reqwest::Client, path: &str, w: usize, stop: &AtomicBool) -> Vec<Sent> {
    let mut sent = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let keyed = i % 2 == 0;
        let body = format!("w{w}-c{i}");
        let key = ulid::Ulid::new().to_string();
        let comment = json!({"author": "Faults", "body": body});
        let started = Instant::now();
        let mut attempts = Vec::new();
        loop {
            let mut req = http.post(path).json(&comment);
            if keyed {
                req = req.header("idempotency-key", &key);
            }
            let at = Instant::now();
            let attempt = match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let bytes = res.bytes().await.unwrap_or_default();
                    crate::leaks::assert_none(status, &bytes, &body);
                    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    Attempt {
                        status,
                        code: json["error"]["code"].as_str().unwrap_or("").to_owned(),
                        retry_after,
                        took: at.elapsed(),
                    }
                }
                Err(e) => panic!("{body}: no answer after {:?}: {e}", at.elapsed()),
            };
            let again =
                keyed && matches!(attempt.status, 503 | 409) && started.elapsed() < RETRY_FOR;
            attempts.push(attempt);
            if !again {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        sent.push(Sent {
            body,
            keyed,
            attempts,
        });
    }
    sent
}

/// Every comment on the page, by body, with how many times it is stored.
async fn stored_bodies(http: &reqwest::Client, base: &str, slug: &str) -> HashMap<String, usize> {
    let mut bodies = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/pages/{slug}/comments?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        for c in page["comments"].as_array().expect("comments") {
            *bodies
                .entry(c["body"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return bodies,
        }
    }
}

/// The page's comment count, as its item holds it.
async fn page_count(ms: &MiniStack, stack: &rightnow_infra::stack::Stack, slug: &str) -> usize {
    let dynamodb = aws_sdk_dynamodb::Client::new(&ms.sdk_config().await);
    let item = dynamodb
        .get_item()
        .table_name(stack.output("AppTableName").unwrap())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("PAGE#{slug}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("PAGE".into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the page's item");
    item.get("comments")
        .and_then(|v| v.as_n().ok())
        .map_or(0, |n| n.parse().unwrap())
}
