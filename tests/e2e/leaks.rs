//! No error body tells internals: every answer of the API these tests
//! receive (every call through [`crate::api`], every direct invoke of an
//! HTTP function) is checked here, not a sample. An error says what was
//! wrong with the request; a stack, an ARN, an SDK's or the store's
//! message, a file path or the local endpoint would tell an attacker how
//! the app is built, and a user nothing.

/// What an error body must never hold, and what it would reveal.
const INTERNALS: [(&str, &str); 24] = [
    ("arn:aws", "an ARN"),
    ("panicked at", "a Rust panic"),
    ("stack backtrace", "a backtrace"),
    (".rs:", "a source location"),
    ("Traceback", "a Python traceback (the local AWS's)"),
    ("dispatch failure", "an SDK message"),
    ("service error", "an SDK message"),
    ("SdkError", "an SDK type"),
    ("DispatchFailure", "an SDK type"),
    ("TimeoutError", "an SDK type"),
    ("unhandled error", "an SDK message"),
    ("aws_sdk", "an SDK crate"),
    ("smithy", "an SDK crate"),
    ("hyper", "an HTTP crate"),
    ("ConditionalCheckFailed", "a DynamoDB error"),
    ("TransactionCanceled", "a DynamoDB error"),
    ("ResourceNotFoundException", "an AWS error"),
    ("ValidationException", "an AWS error"),
    ("AccessDenied", "an AWS error"),
    ("127.0.0.1", "the local endpoint"),
    ("localhost", "the local endpoint"),
    ("ministack", "the local AWS"),
    ("/var/task", "a file path"),
    ("/work/", "a file path"),
];

/// Panics if `body`, answered with `status`, is an error that tells
/// internals. `what` names the call in the message.
pub fn assert_none(status: u16, body: &[u8], what: &str) {
    if let Some(found) = internals(status, body) {
        panic!(
            "{what}: the {status} answer tells {found}: {}",
            String::from_utf8_lossy(body)
        );
    }
}

/// What internal the error body holds, if any. Success bodies are not
/// checked: they carry the user's own text and the knowledge base's
/// answers, which may name AWS services by right.
fn internals(status: u16, body: &[u8]) -> Option<&'static str> {
    if status < 400 {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let lower = text.to_lowercase();
    INTERNALS
        .iter()
        .find(|(needle, _)| text.contains(needle) || lower.contains(&needle.to_lowercase()))
        .map(|(_, what)| *what)
}

#[test]
fn the_check_finds_each_kind_of_leak_and_passes_our_errors() {
    let leaks = [
        r#"{"error":{"code":"internal","message":"dispatch failure: io error"}}"#,
        "thread 'main' panicked at functions/site-api/src/main.rs:12:5",
        r#"{"errorType":"ResourceNotFoundException","errorMessage":"arn:aws:dynamodb:us-east-1:000000000000:table/x"}"#,
        "connection refused: http://127.0.0.1:4566",
    ];
    for leak in leaks {
        assert!(internals(500, leak.as_bytes()).is_some(), "{leak}");
    }
    let ours = [
        r#"{"error":{"code":"unavailable","message":"the service is unavailable; retry shortly"}}"#,
        r#"{"error":{"code":"validation_failed","message":"body: must be 1 to 2000 characters","field":"body"}}"#,
        r#"{"message":"Not Found"}"#,
    ];
    for fine in ours {
        assert_eq!(internals(503, fine.as_bytes()), None, "{fine}");
    }
    assert_eq!(
        internals(200, b"DynamoDB keeps the arn:aws:... of a table"),
        None
    );
}
