//! The template's functions and state machines: their settings with
//! Globals merged, their environment as written, and what invokes them.

use std::fmt;

use serde_yaml::{Mapping, Value};

use super::Template;

/// Lambda's default memory when neither the function nor Globals set one.
const DEFAULT_MEMORY_MB: u64 = 128;
/// Lambda's default timeout, in seconds.
const DEFAULT_TIMEOUT_S: u64 = 3;

/// A Rust function of the template: one with
/// `Metadata.BuildProperties.Binary`, the workspace binary that is its code.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The logical id (`SiteApiFunction`).
    pub logical_id: String,
    /// The binary (`site-api`).
    pub binary: String,
    /// `MemorySize`, the function's or Globals'.
    pub memory_mb: u64,
    /// The first of `Architectures`, parameters resolved to their defaults.
    pub architecture: Architecture,
    /// `Timeout`, in seconds.
    pub timeout_s: u64,
    /// `Environment.Variables`, Globals' first, the function's over them.
    pub env: Vec<(String, EnvValue)>,
    /// `LoggingConfig.LogFormat`: what Lambda sets as `AWS_LAMBDA_LOG_FORMAT`.
    pub log_format: Option<String>,
    /// `LoggingConfig.ApplicationLogLevel`: `AWS_LAMBDA_LOG_LEVEL`.
    pub log_level: Option<String>,
    /// What invokes it, from its `Events`.
    pub events: Vec<EventSource>,
}

impl Function {
    /// Fronted by the HTTP API: each request also pays API Gateway.
    pub fn is_http(&self) -> bool {
        self.routes().next().is_some()
    }

    /// Its HTTP API routes.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.events.iter().filter_map(|e| match e {
            EventSource::HttpApi(r) => Some(r),
            _ => None,
        })
    }
}

/// Lambda's CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Architecture {
    /// Graviton: the template's default, cheaper per GB-second.
    #[serde(rename = "arm64")]
    Arm64,
    /// What the local stack runs, on this machine's CPU.
    #[serde(rename = "x86_64")]
    X86_64,
}

impl Architecture {
    /// The name Lambda and the template use.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Architecture::Arm64, Architecture::X86_64]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One route of the HTTP API: `GET /api/pages/{slug}/views` and the
/// function that serves it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Upper case: `GET`.
    pub method: String,
    /// `/api/pages/{slug}/views`.
    pub path: String,
    /// The function's logical id in the template.
    pub function: String,
}

impl Route {
    /// API Gateway's route key: `GET /api/health`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// What invokes a function or starts a state machine: one of its `Events`.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSource {
    /// `HttpApi`: a route of the HTTP API.
    HttpApi(Route),
    /// `EventBridgeRule`: a rule on a bus (the default bus when `bus` is
    /// `None`) matching `pattern`.
    EventBridgeRule {
        /// The event's name in the template.
        name: String,
        /// `EventBusName`, as written.
        bus: Option<EnvValue>,
        /// `Pattern`, as written.
        pattern: Value,
    },
    /// `Schedule` (an EventBridge rule) or `ScheduleV2` (EventBridge
    /// Scheduler).
    Schedule {
        /// The event's name in the template.
        name: String,
        /// `rate(...)` or `cron(...)`.
        expression: String,
        /// `ScheduleV2`.
        scheduler: bool,
    },
    /// `SQS`, `DynamoDB`, `S3`, `Api`, ...: kept by kind, for the day a
    /// function uses one.
    Other {
        /// The event's name in the template.
        name: String,
        /// Its `Type`.
        kind: String,
    },
}

/// An `AWS::Serverless::StateMachine`.
#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    /// The logical id.
    pub logical_id: String,
    /// `DefinitionUri`, the ASL file.
    pub definition_uri: Option<String>,
    /// What starts it.
    pub events: Vec<EventSource>,
    /// The resources its `DefinitionSubstitutions` name (the functions it
    /// invokes, by logical id).
    pub substitutes: Vec<String>,
}

/// The value of an environment variable (or any property) as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A literal.
    Literal(String),
    /// `!Ref Resource`: the resource's name. (`!Ref Parameter` reads as
    /// the parameter's default, a [`EnvValue::Literal`].)
    Ref(String),
    /// `!GetAtt Resource.Attribute`.
    GetAtt(String, String),
    /// Anything else (`!Sub`, `!Join`, ...), as written.
    Other(String),
}

impl EnvValue {
    /// The resource this value names, if any.
    pub fn resource(&self) -> Option<&str> {
        match self {
            EnvValue::Ref(r) | EnvValue::GetAtt(r, _) => Some(r),
            _ => None,
        }
    }

    /// Reads an intrinsic in either form: `!Ref X` / `{Ref: X}`, `!GetAtt
    /// X.Y` / `{Fn::GetAtt: [X, Y]}`.
    pub fn read(v: &Value) -> Self {
        match v {
            Value::String(s) => EnvValue::Literal(s.clone()),
            Value::Number(n) => EnvValue::Literal(n.to_string()),
            Value::Bool(b) => EnvValue::Literal(b.to_string()),
            Value::Tagged(t) => {
                let tag = t.tag.to_string();
                match (tag.trim_start_matches('!'), &t.value) {
                    ("Ref", Value::String(r)) => EnvValue::Ref(r.clone()),
                    ("GetAtt", Value::String(s)) => match s.split_once('.') {
                        Some((r, a)) => EnvValue::GetAtt(r.into(), a.into()),
                        None => EnvValue::Other(format!("{tag} {s}")),
                    },
                    ("GetAtt", Value::Sequence(s)) => get_att(s),
                    _ => EnvValue::Other(format!("{tag} {:?}", t.value)),
                }
            }
            Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
                Some((Value::String(k), Value::String(r))) if k == "Ref" => {
                    EnvValue::Ref(r.clone())
                }
                Some((Value::String(k), Value::Sequence(s))) if k == "Fn::GetAtt" => get_att(s),
                _ => EnvValue::Other(format!("{v:?}")),
            },
            _ => EnvValue::Other(format!("{v:?}")),
        }
    }
}

fn get_att(s: &[Value]) -> EnvValue {
    match s {
        [Value::String(r), Value::String(a)] => EnvValue::GetAtt(r.clone(), a.clone()),
        _ => EnvValue::Other(format!("GetAtt {s:?}")),
    }
}

fn mapping(v: Option<&Value>) -> impl Iterator<Item = (&str, &Value)> {
    v.and_then(Value::as_mapping)
        .into_iter()
        .flat_map(Mapping::iter)
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
}

impl Template {
    /// Every Rust function of the template, in the file's order.
    pub fn functions(&self) -> Vec<Function> {
        self.resources()
            .filter(|r| r.kind == "AWS::Serverless::Function")
            .filter_map(|r| self.function(r.id))
            .collect()
    }

    /// The function whose code is `binary`, if the template has one.
    pub fn for_binary(&self, binary: &str) -> Option<Function> {
        self.functions().into_iter().find(|f| f.binary == binary)
    }

    /// Every route of the HTTP API, over all functions, sorted.
    pub fn http_routes(&self) -> Vec<Route> {
        let mut routes: Vec<Route> = self
            .functions()
            .iter()
            .flat_map(|f| f.routes().cloned().collect::<Vec<_>>())
            .collect();
        routes.sort();
        routes
    }

    /// Every state machine of the template.
    pub fn state_machines(&self) -> Vec<StateMachine> {
        self.resources()
            .filter(|r| r.kind == "AWS::Serverless::StateMachine")
            .map(|r| StateMachine {
                logical_id: r.id.to_owned(),
                definition_uri: r
                    .properties
                    .get("DefinitionUri")
                    .and_then(|v| self.scalar(v)),
                events: self.events(r.id, r.properties),
                substitutes: mapping(r.properties.get("DefinitionSubstitutions"))
                    .filter_map(|(_, v)| EnvValue::read(v).resource().map(str::to_owned))
                    .collect(),
            })
            .collect()
    }

    /// The resource whose `BucketName` (or `Name`, `TableName`) is written
    /// exactly as `v`, if one is.
    fn named_by(&self, v: &Value) -> Option<String> {
        if !matches!(v, Value::Tagged(_)) {
            return None;
        }
        self.resources()
            .find(|r| {
                ["BucketName", "TableName", "Name"]
                    .iter()
                    .any(|k| r.properties.get(*k) == Some(v))
            })
            .map(|r| r.id.to_owned())
    }

    fn function(&self, id: &str) -> Option<Function> {
        let binary = self
            .metadata(id)?
            .get("BuildProperties")?
            .get("Binary")?
            .as_str()?;
        let props = self.resource(id)?.properties;
        let globals = self.function_globals();
        // A property of the function, else of Globals.
        let prop = |key: &str| props.get(key).or_else(|| globals.get(key));
        let number = |key: &str| prop(key).and_then(|v| self.scalar(v)?.parse().ok());
        let logging = |key: &str| {
            props
                .get("LoggingConfig")
                .and_then(|l| l.get(key))
                .or_else(|| globals.get("LoggingConfig").and_then(|l| l.get(key)))
                .and_then(|v| self.scalar(v))
        };
        let mut env: Vec<(String, EnvValue)> = Vec::new();
        for scope in [globals, props] {
            for (k, v) in mapping(scope.get("Environment").and_then(|e| e.get("Variables"))) {
                env.retain(|(name, _)| name != k);
                // A parameter's value is its default here (what `sam
                // deploy` passes when nothing overrides it).
                let value = match EnvValue::read(v) {
                    EnvValue::Ref(r) if self.resource(&r).is_none() => self
                        .parameter_default(&r)
                        .map_or(EnvValue::Ref(r), EnvValue::Literal),
                    // The media bucket is named by the expression of its
                    // own BucketName (template.yaml says why): that is
                    // the resource, as a !Ref would be.
                    other => self.named_by(v).map_or(other, EnvValue::Ref),
                };
                env.push((k.to_owned(), value));
            }
        }
        let architecture = prop("Architectures")
            .and_then(|a| a.as_sequence()?.first())
            .and_then(|v| Architecture::from_name(&self.scalar(v)?))
            .unwrap_or(Architecture::X86_64);
        Some(Function {
            logical_id: id.to_owned(),
            binary: binary.to_owned(),
            memory_mb: number("MemorySize").unwrap_or(DEFAULT_MEMORY_MB),
            architecture,
            timeout_s: number("Timeout").unwrap_or(DEFAULT_TIMEOUT_S),
            env,
            log_format: logging("LogFormat"),
            log_level: logging("ApplicationLogLevel"),
            events: self.events(id, props),
        })
    }

    /// The `Events` of resource `owner`.
    fn events(&self, owner: &str, props: &Value) -> Vec<EventSource> {
        mapping(props.get("Events"))
            .filter_map(|(name, event)| {
                let kind = event.get("Type")?.as_str()?;
                let p = event.get("Properties").unwrap_or(&Value::Null);
                let text = |key: &str| p.get(key).and_then(|v| self.scalar(v));
                let source = match kind {
                    "HttpApi" => EventSource::HttpApi(Route {
                        method: text("Method")?.to_ascii_uppercase(),
                        path: text("Path")?,
                        function: owner.to_owned(),
                    }),
                    "EventBridgeRule" => EventSource::EventBridgeRule {
                        name: name.to_owned(),
                        bus: p.get("EventBusName").map(EnvValue::read),
                        pattern: p.get("Pattern").cloned().unwrap_or(Value::Null),
                    },
                    "Schedule" | "ScheduleV2" => EventSource::Schedule {
                        name: name.to_owned(),
                        expression: text("Schedule").or_else(|| text("ScheduleExpression"))?,
                        scheduler: kind == "ScheduleV2",
                    },
                    other => EventSource::Other {
                        name: name.to_owned(),
                        kind: other.to_owned(),
                    },
                };
                Some(source)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(yaml: &str) -> Template {
        Template::parse(yaml).unwrap()
    }

    #[test]
    fn reads_settings_env_and_every_kind_of_event_with_globals_and_parameters() {
        let t = template(
            r#"
Parameters:
  Architecture: { Type: String, Default: arm64 }
  Limit: { Type: Number, Default: 5 }
Globals:
  Function:
    MemorySize: 128
    Timeout: 10
    Architectures: [!Ref Architecture]
    LoggingConfig: { LogFormat: JSON, ApplicationLogLevel: INFO }
    Environment: { Variables: { STAGE: prod, TABLE_NAME: old } }
Resources:
  Api:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: site-api } }
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref AppTable
          BUS_ARN: !GetAtt AppBus.Arn
          LONG: { "Fn::GetAtt": [AppBus, Name] }
          LIMIT: !Ref Limit
      Events:
        Health: { Type: HttpApi, Properties: { Method: get, Path: /api/health } }
  Job:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: job } }
    Properties:
      MemorySize: 512
      Events:
        Upload:
          Type: EventBridgeRule
          Properties:
            Pattern: { source: [aws.s3] }
        Tick: { Type: ScheduleV2, Properties: { ScheduleExpression: rate(1 day) } }
        Queue: { Type: SQS, Properties: { Queue: !GetAtt Q.Arn } }
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/report.asl.json
      DefinitionSubstitutions: { JobArn: !GetAtt Job.Arn }
      Events:
        Nightly: { Type: Schedule, Properties: { Schedule: cron(5 0 * * ? *) } }
"#,
        );
        let api = t.for_binary("site-api").unwrap();
        assert_eq!(
            (api.memory_mb, api.architecture, api.timeout_s),
            (128, Architecture::Arm64, 10)
        );
        assert!(api.is_http());
        assert_eq!(api.log_format.as_deref(), Some("JSON"));
        assert_eq!(
            api.env,
            [
                ("STAGE".into(), EnvValue::Literal("prod".into())),
                ("TABLE_NAME".into(), EnvValue::Ref("AppTable".into())),
                (
                    "BUS_ARN".into(),
                    EnvValue::GetAtt("AppBus".into(), "Arn".into())
                ),
                (
                    "LONG".into(),
                    EnvValue::GetAtt("AppBus".into(), "Name".into())
                ),
                ("LIMIT".into(), EnvValue::Literal("5".into())),
            ]
        );
        assert_eq!(t.http_routes()[0].key(), "GET /api/health");

        let job = t.for_binary("job").unwrap();
        assert_eq!(job.memory_mb, 512);
        assert!(!job.is_http());
        assert!(matches!(
            &job.events[..],
            [
                EventSource::EventBridgeRule { bus: None, .. },
                EventSource::Schedule { scheduler: true, .. },
                EventSource::Other { kind, .. },
            ] if kind == "SQS"
        ));
        assert!(t.for_binary("nope").is_none());

        let [machine] = &t.state_machines()[..] else {
            panic!("one state machine")
        };
        assert_eq!(machine.substitutes, ["Job"]);
        assert!(matches!(
            &machine.events[..],
            [EventSource::Schedule { expression, scheduler: false, .. }] if expression == "cron(5 0 * * ? *)"
        ));
    }

    #[test]
    fn reads_the_project_template() {
        let t = Template::project().unwrap();
        let api = t
            .for_binary("site-api")
            .expect("site-api is in the template");
        assert!(api.env.iter().any(|(k, _)| k == "TABLE_NAME"));
        // The media bucket, named by its BucketName's expression, is read
        // as the resource.
        assert!(
            api.env
                .iter()
                .any(|(k, v)| k == "MEDIA_BUCKET" && v.resource() == Some("MediaBucket")),
            "{:?}",
            api.env
        );
        // Resources by reference; settings (WARM_UP_CONNECTIONS) as literals.
        assert!(
            api.env
                .iter()
                .all(|(_, v)| v.resource().is_some() || matches!(v, EnvValue::Literal(_)))
        );
        let keys: Vec<String> = t.http_routes().iter().map(Route::key).collect();
        assert!(keys.contains(&"GET /api/health".to_owned()), "{keys:?}");
        assert!(keys.contains(&"POST /api/pages/{slug}/comments".to_owned()));
    }
}
