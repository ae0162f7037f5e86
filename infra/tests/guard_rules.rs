//! The template's guard rules (infra/guard, run by `make lint-template`)
//! hold on template.yaml, in both the forms the lint checks, and each rule
//! fails on a copy of the template broken the way it forbids: a rule that
//! cannot fail checks nothing. A rule added without a broken copy here
//! fails `every_rule_has_a_broken_copy`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rightnow_infra::tools::{venv_bin, workspace_root};
use serde_json::{Value, json};

/// Which form of the template a rule is shown failing on.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// template.yaml as written (SAM resources, short forms written out).
    Written,
    /// After the SAM transform: roles, versions, the stage, the rules.
    Expanded,
}

/// A copy of the template broken for one rule.
struct Broken {
    /// The guard file under infra/guard, and the rule in it.
    file: &'static str,
    rule: &'static str,
    form: Form,
    /// What the copy does wrong.
    why: &'static str,
    edit: fn(&mut Value),
}

/// Every rule, with a copy that breaks it.
fn broken_copies() -> Vec<Broken> {
    vec![
        Broken {
            file: "buckets",
            rule: "buckets_private",
            form: Form::Written,
            why: "a bucket that allows public policies",
            edit: |t| {
                set(
                    t,
                    "/Resources/MediaBucket/Properties/PublicAccessBlockConfiguration/BlockPublicPolicy",
                    json!(false),
                )
            },
        },
        Broken {
            file: "buckets",
            rule: "buckets_encrypted",
            form: Form::Expanded,
            why: "a bucket with no default encryption",
            edit: |t| remove(t, "/Resources/ReportsBucket/Properties/BucketEncryption"),
        },
        Broken {
            file: "buckets",
            rule: "buckets_tls_only",
            form: Form::Written,
            why: "a bucket without its TLS-only policy",
            edit: |t| remove(t, "/Resources/ReportsBucketPolicy"),
        },
        Broken {
            file: "buckets",
            rule: "data_buckets_kept",
            form: Form::Expanded,
            why: "the media bucket unversioned",
            edit: |t| {
                remove(
                    t,
                    "/Resources/MediaBucket/Properties/VersioningConfiguration",
                )
            },
        },
        Broken {
            file: "buckets",
            rule: "data_buckets_kept",
            form: Form::Written,
            why: "the reports bucket deleted with the stack",
            edit: |t| remove(t, "/Resources/ReportsBucket/DeletionPolicy"),
        },
        Broken {
            file: "buckets",
            rule: "upload_origin_not_any",
            form: Form::Written,
            why: "uploads allowed from any origin by default",
            edit: |t| set(t, "/Parameters/UploadOrigin/Default", json!("*")),
        },
        Broken {
            file: "table",
            rule: "tables_kept",
            form: Form::Expanded,
            why: "the table without deletion protection",
            edit: |t| {
                remove(
                    t,
                    "/Resources/AppTable/Properties/DeletionProtectionEnabled",
                )
            },
        },
        Broken {
            file: "iam",
            rule: "iam_no_wildcard_resources",
            form: Form::Written,
            why: "a function allowed to read every object",
            edit: |t| {
                push(
                    t,
                    "/Resources/SiteApiFunction/Properties/Policies/0/Statement",
                    json!({"Sid": "Everything", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
                )
            },
        },
        Broken {
            file: "iam",
            rule: "iam_no_wildcard_resources",
            form: Form::Expanded,
            why: "a role allowed to write every item of every table",
            edit: |t| {
                push(
                    t,
                    "/Resources/ChatbotFunctionRole/Properties/Policies/0/PolicyDocument/Statement",
                    json!({"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": ["*"]}),
                )
            },
        },
        Broken {
            file: "iam",
            rule: "iam_no_wildcard_actions",
            form: Form::Written,
            why: "every DynamoDB action on the table",
            edit: |t| {
                set(
                    t,
                    "/Resources/SiteApiFunction/Properties/Policies/0/Statement/0/Action",
                    json!("dynamodb:*"),
                )
            },
        },
        Broken {
            file: "iam",
            rule: "no_public_grants",
            form: Form::Written,
            why: "the site bucket readable by anyone",
            edit: |t| {
                set(
                    t,
                    "/Resources/SiteBucketPolicy/Properties/PolicyDocument/Statement/0/Principal",
                    json!("*"),
                )
            },
        },
        Broken {
            file: "async",
            rule: "rule_targets_retry_and_keep_failures",
            form: Form::Expanded,
            why: "the upload rule's target without a dead-letter queue",
            edit: |t| {
                remove(
                    t,
                    "/Resources/VideoModerationFunctionUpload/Properties/Targets/0/DeadLetterConfig",
                )
            },
        },
        Broken {
            file: "async",
            rule: "rule_targets_retry_and_keep_failures",
            form: Form::Written,
            why: "the nightly schedule without retries",
            edit: |t| {
                remove(
                    t,
                    "/Resources/BatchReportStateMachine/Properties/Events/Nightly/Properties/RetryPolicy",
                )
            },
        },
        Broken {
            file: "async",
            rule: "async_invokes_keep_failures",
            form: Form::Written,
            why: "moderation's failed invocations dropped",
            edit: |t| {
                remove(
                    t,
                    "/Resources/VideoModerationFunction/Properties/EventInvokeConfig/DestinationConfig",
                )
            },
        },
        Broken {
            file: "async",
            rule: "dead_letters_alarmed",
            form: Form::Written,
            why: "a dead-letter queue nobody watches",
            edit: |t| remove(t, "/Resources/ReportScheduleDeadLettersAlarm"),
        },
        Broken {
            file: "states",
            rule: "state_machines_logged_and_traced",
            form: Form::Expanded,
            why: "the state machine untraced",
            edit: |t| {
                remove(
                    t,
                    "/Resources/BatchReportStateMachine/Properties/TracingConfiguration",
                )
            },
        },
        Broken {
            file: "states",
            rule: "state_machines_logged_and_traced",
            form: Form::Written,
            why: "the state machine's logging off",
            edit: |t| {
                set(
                    t,
                    "/Resources/BatchReportStateMachine/Properties/Logging/Level",
                    json!("OFF"),
                )
            },
        },
        Broken {
            file: "api",
            rule: "api_access_logged",
            form: Form::Expanded,
            why: "the API's stage without an access log",
            edit: |t| {
                remove(
                    t,
                    "/Resources/HttpApiApiGatewayDefaultStage/Properties/AccessLogSettings",
                )
            },
        },
        Broken {
            file: "api",
            rule: "api_throttled",
            form: Form::Written,
            why: "a write route with only a burst limit",
            edit: |t| {
                remove(
                    t,
                    "/Resources/HttpApi/Properties/RouteSettings/POST ~1api~1videos/ThrottlingRateLimit",
                )
            },
        },
        Broken {
            file: "logs",
            rule: "log_groups_retained",
            form: Form::Written,
            why: "the access log kept forever",
            edit: |t| {
                remove(
                    t,
                    "/Resources/HttpApiAccessLogGroup/Properties/RetentionInDays",
                )
            },
        },
        Broken {
            file: "logs",
            rule: "functions_log_to_retained_groups",
            form: Form::Expanded,
            why: "a function logging to the group Lambda makes (no retention)",
            edit: |t| {
                remove(
                    t,
                    "/Resources/ChatbotFunction/Properties/LoggingConfig/LogGroup",
                )
            },
        },
        Broken {
            file: "deploy",
            rule: "lambda_alarms_count_one_version",
            form: Form::Written,
            why: "a canary alarm counting every version's errors",
            edit: |t| {
                set(
                    t,
                    "/Resources/ChatbotErrorsAlarm/Properties/Dimensions",
                    json!([{"Name": "FunctionName", "Value": {"Ref": "ChatbotFunction"}}]),
                )
            },
        },
        Broken {
            file: "deploy",
            rule: "api_canaries_watch_the_api",
            form: Form::Written,
            why: "site-api's canary blind to the API's 5xx",
            edit: |t| {
                set(
                    t,
                    "/Resources/SiteApiFunction/Properties/DeploymentPreference/Alarms",
                    json!([{"Ref": "SiteApiErrorsAlarm"}]),
                )
            },
        },
        Broken {
            file: "names",
            rule: "account_wide_names_per_stack_and_region",
            form: Form::Written,
            why: "an origin access control named for the stack only",
            edit: |t| {
                set(
                    t,
                    "/Resources/SiteOriginAccessControl/Properties/OriginAccessControlConfig/Name",
                    json!({"Fn::Sub": "${AWS::StackName}-site"}),
                )
            },
        },
    ]
}

#[test]
fn the_template_passes_every_rule() {
    for form in [Form::Written, Form::Expanded] {
        let out = guard(&rules_dir(), &written(form, "as-is", form_of(form)));
        assert!(
            out.0,
            "template.yaml ({form:?}) fails the guard rules:\n{}",
            out.1
        );
    }
}

#[test]
fn every_rule_fails_on_a_broken_copy() {
    for (n, case) in broken_copies().iter().enumerate() {
        let mut template = form_of(case.form).clone();
        (case.edit)(&mut template);
        let data = written(case.form, &format!("broken-{n}-{}", case.rule), &template);
        let rules = rules_dir().join(format!("{}.guard", case.file));
        let (passed, report) = guard(&rules, &data);
        let failed_line = format!("{}.guard/{}", case.file, case.rule);
        assert!(
            !passed
                && report
                    .lines()
                    .any(|l| l.trim_start().starts_with(&failed_line) && l.ends_with("FAIL")),
            "{failed_line} did not fail on {} ({:?} form):\n{report}",
            case.why,
            case.form
        );
    }
}

#[test]
fn every_rule_has_a_broken_copy() {
    let cases = broken_copies();
    let mut rules = Vec::new();
    for entry in std::fs::read_dir(rules_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "guard") {
            let file = path.file_stem().unwrap().to_str().unwrap().to_owned();
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                if let Some(rest) = line.strip_prefix("rule ") {
                    let name = rest.split_whitespace().next().unwrap().to_owned();
                    rules.push((file.clone(), name));
                }
            }
        }
    }
    assert!(rules.len() >= 10, "{rules:?}");
    for (file, rule) in &rules {
        assert!(
            cases.iter().any(|c| c.file == file && c.rule == rule),
            "infra/guard/{file}.guard: rule {rule} has no broken copy in {}",
            file!()
        );
    }
}

fn rules_dir() -> PathBuf {
    workspace_root().join("infra/guard")
}

/// The template in `form`, as infra/lint/expand.py writes it for the lint;
/// made once per test process.
fn form_of(form: Form) -> &'static Value {
    static FORMS: OnceLock<(Value, Value)> = OnceLock::new();
    let (written, expanded) = FORMS.get_or_init(|| {
        let expand = |args: &[&str]| -> Value {
            let out = Command::new(venv_bin("python"))
                .arg(workspace_root().join("infra/lint/expand.py"))
                .args(args)
                .arg(workspace_root().join("template.yaml"))
                .output()
                .expect("the venv's python (make setup)");
            assert!(
                out.status.success(),
                "expand.py {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).unwrap()
        };
        (expand(&["--source"]), expand(&[]))
    });
    match form {
        Form::Written => written,
        Form::Expanded => expanded,
    }
}

/// Writes `template` where the guard can read it; returns its path.
fn written(form: Form, name: &str, template: &Value) -> PathBuf {
    let dir = workspace_root().join("target/guard-rules-test");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.{form:?}.json").to_lowercase());
    std::fs::write(&path, serde_json::to_vec_pretty(template).unwrap()).unwrap();
    path
}

/// Runs cfn-guard with `rules` (a file or a directory) on `data`: whether
/// every rule passed (or had nothing to check), and its report.
fn guard(rules: &Path, data: &Path) -> (bool, String) {
    let guard = venv_bin("cfn-guard");
    let out = Command::new(&guard)
        .args(["validate", "--show-summary", "all", "--rules"])
        .arg(rules)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (make lint-template installs it)", guard.display()));
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), report)
}

fn set(template: &mut Value, pointer: &str, value: Value) {
    *template
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the template")) = value;
}

fn push(template: &mut Value, pointer: &str, value: Value) {
    template
        .pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no list at {pointer} in the template"))
        .push(value);
}

fn remove(template: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/").replace("~0", "~");
    let removed = template
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|m| m.remove(&key));
    assert!(removed.is_some(), "no {pointer} in the template");
}
