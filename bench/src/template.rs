//! What template.yaml says about each function, read from the file so that
//! a new function, a new variable or a new memory size needs no change
//! here: memory and architecture (for the cost), the environment variables
//! and the resources they name (for the local AWS), the log settings
//! Lambda passes on, and whether API Gateway fronts it.

use std::path::Path;

use anyhow::Result;
use serde_yaml::{Mapping, Value};

/// Lambda's default when neither the function nor Globals set one.
const DEFAULT_MEMORY_MB: u64 = 128;

/// A function as the template declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    pub logical_id: String,
    pub binary: String,
    pub memory_mb: u64,
    pub architecture: String,
    pub timeout_s: u64,
    /// Fronted by an HTTP API (an `HttpApi` event): each request also pays
    /// API Gateway.
    pub http: bool,
    /// `Environment.Variables`, Globals' first, the function's over them.
    pub env: Vec<(String, EnvValue)>,
    /// `LoggingConfig`: what Lambda sets as `AWS_LAMBDA_LOG_FORMAT` and
    /// `AWS_LAMBDA_LOG_LEVEL`.
    pub log_format: Option<String>,
    pub log_level: Option<String>,
}

/// The value of an environment variable in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    /// `!Ref Resource`: the resource's name.
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
}

/// Reads the template's Rust functions (those with a
/// `Metadata.BuildProperties.Binary`).
pub fn read(path: &Path) -> Result<Template> {
    Ok(Template(rightnow_infra::template::read(path)?))
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template(pub Value);

impl Template {
    pub fn functions(&self) -> Vec<FunctionSpec> {
        rightnow_infra::template::functions(&self.0)
            .into_iter()
            .filter_map(|f| self.function(&f.logical_id, &f.binary))
            .collect()
    }

    /// The function whose code is `binary`, if the template has one.
    pub fn for_binary(&self, binary: &str) -> Option<FunctionSpec> {
        self.functions().into_iter().find(|f| f.binary == binary)
    }

    /// A resource's `Type` and `Properties`.
    pub fn resource(&self, logical_id: &str) -> Option<(&str, &Value)> {
        let r = self.0.get("Resources")?.get(logical_id)?;
        Some((
            r.get("Type")?.as_str()?,
            r.get("Properties").unwrap_or(&Value::Null),
        ))
    }

    fn function(&self, id: &str, binary: &str) -> Option<FunctionSpec> {
        let props = self.0.get("Resources")?.get(id)?.get("Properties")?;
        let globals = self
            .0
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .unwrap_or(&Value::Null);
        // A property of the function, else of Globals.
        let prop = |key: &str| props.get(key).or_else(|| globals.get(key));
        let scalar = |v: Option<&Value>| v.and_then(|v| self.scalar(v));

        let mut env = Vec::new();
        for scope in [globals, props] {
            let vars = scope
                .get("Environment")
                .and_then(|e| e.get("Variables"))
                .and_then(Value::as_mapping);
            for (k, v) in vars.into_iter().flat_map(Mapping::iter) {
                let Some(k) = k.as_str() else { continue };
                env.retain(|(name, _): &(String, EnvValue)| name != k);
                env.push((k.to_owned(), env_value(v)));
            }
        }
        let logging = |key: &str| {
            props
                .get("LoggingConfig")
                .and_then(|l| l.get(key))
                .or_else(|| globals.get("LoggingConfig").and_then(|l| l.get(key)))
                .and_then(|v| self.scalar(v))
        };
        let architecture = prop("Architectures")
            .and_then(|a| a.as_sequence()?.first())
            .and_then(|v| self.scalar(v))
            .unwrap_or_else(|| "x86_64".into());
        let http = props
            .get("Events")
            .and_then(Value::as_mapping)
            .into_iter()
            .flat_map(Mapping::values)
            .any(|e| e.get("Type").and_then(Value::as_str) == Some("HttpApi"));
        Some(FunctionSpec {
            logical_id: id.to_owned(),
            binary: binary.to_owned(),
            memory_mb: scalar(prop("MemorySize"))
                .and_then(|s| s.parse().ok())
                .unwrap_or(DEFAULT_MEMORY_MB),
            architecture,
            timeout_s: scalar(prop("Timeout"))
                .and_then(|s| s.parse().ok())
                .unwrap_or(3),
            http,
            env,
            log_format: logging("LogFormat"),
            log_level: logging("ApplicationLogLevel"),
        })
    }

    /// A scalar, with `!Ref Parameter` resolved to the parameter's default
    /// (the value a plain `sam deploy` uses).
    fn scalar(&self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => match env_value(v) {
                EnvValue::Ref(name) => {
                    let default = self.0.get("Parameters")?.get(&name)?.get("Default")?;
                    self.scalar(default)
                }
                _ => None,
            },
        }
    }
}

/// Reads an intrinsic in either form: `!Ref X` / `{Ref: X}`, `!GetAtt X.Y` /
/// `{Fn::GetAtt: [X, Y]}`.
fn env_value(v: &Value) -> EnvValue {
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
            Some((Value::String(k), Value::String(r))) if k == "Ref" => EnvValue::Ref(r.clone()),
            Some((Value::String(k), Value::Sequence(s))) if k == "Fn::GetAtt" => get_att(s),
            _ => EnvValue::Other(format!("{v:?}")),
        },
        _ => EnvValue::Other(format!("{v:?}")),
    }
}

fn get_att(s: &[Value]) -> EnvValue {
    match s {
        [Value::String(r), Value::String(a)] => EnvValue::GetAtt(r.clone(), a.clone()),
        _ => EnvValue::Other(format!("GetAtt {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(yaml: &str) -> Template {
        Template(serde_yaml::from_str(yaml).unwrap())
    }

    #[test]
    fn reads_memory_env_and_events_with_globals_and_parameters() {
        let t = template(
            r#"
Parameters:
  Architecture: { Type: String, Default: arm64 }
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
      Events:
        Health: { Type: HttpApi, Properties: { Method: GET, Path: /api/health } }
  Job:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: job } }
    Properties:
      MemorySize: 512
      Events:
        Tick: { Type: Schedule, Properties: { Schedule: rate(1 day) } }
"#,
        );
        let api = t.for_binary("site-api").unwrap();
        assert_eq!(api.memory_mb, 128);
        assert_eq!(api.architecture, "arm64");
        assert_eq!(api.timeout_s, 10);
        assert!(api.http);
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
            ]
        );
        let job = t.for_binary("job").unwrap();
        assert_eq!(job.memory_mb, 512);
        assert!(!job.http);
        assert!(t.for_binary("nope").is_none());
    }

    #[test]
    fn reads_the_project_template() {
        let root = rightnow_infra::tools::workspace_root();
        let t = read(&root.join("template.yaml")).unwrap();
        let api = t
            .for_binary("site-api")
            .expect("site-api is in the template");
        let vars: Vec<_> = api.env.iter().map(|(k, _)| k.as_str()).collect();
        assert!(vars.contains(&"TABLE_NAME"), "{vars:?}");
        // Resources by reference; settings (WARM_UP_CONNECTIONS) as literals.
        assert!(
            api.env
                .iter()
                .all(|(_, v)| v.resource().is_some() || matches!(v, EnvValue::Literal(_)))
        );
        assert!(api.http);
    }
}
