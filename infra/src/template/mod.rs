//! The one reader of template.yaml. Everything else (the local cloud, the
//! tests, the benchmark) asks this module what the template declares, so
//! that nothing is declared twice and nobody writes a second reader:
//!
//! - [`Template`]: the parsed file, its parameters, resources and Globals;
//! - [`functions`]: each Rust function with its settings (Globals merged),
//!   environment and event sources of every kind;
//! - [`copies`]: the copies of the template that are deployed locally (no
//!   CodeDeploy; prebuilt code);
//! - [`headers`]: the site's response headers (CSP, HSTS, ...), for the
//!   local front door.

pub mod copies;
pub mod functions;
pub mod headers;

use std::path::Path;

use anyhow::{Context, Result};
use serde_yaml::{Mapping, Value};

pub use copies::{drop_deployment_preferences, write_local_copy, write_prebuilt};
pub use functions::{Architecture, EnvValue, EventSource, Function, Route, StateMachine};

use crate::tools::workspace_root;

/// A parsed CloudFormation/SAM template, short-form tags (`!Ref`) kept.
#[derive(Debug, Clone)]
pub struct Template(Value);

/// One resource: its `Type` and `Properties`.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The logical id.
    pub id: &'a str,
    /// `AWS::DynamoDB::Table`, `AWS::Serverless::Function`, ...
    pub kind: &'a str,
    /// `Properties` (`Null` when it has none).
    pub properties: &'a Value,
}

impl Template {
    /// Reads the template at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The project's template.yaml.
    pub fn project() -> Result<Self> {
        Self::read(&workspace_root().join("template.yaml"))
    }

    /// A template from its text.
    pub fn parse(text: &str) -> Result<Self> {
        Ok(Self(serde_yaml::from_str(text)?))
    }

    /// The document, for the copies that rewrite it.
    pub fn document(&self) -> &Value {
        &self.0
    }

    /// Every resource, in the file's order.
    pub fn resources(&self) -> impl Iterator<Item = Resource<'_>> {
        self.0
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flat_map(Mapping::iter)
            .filter_map(|(k, v)| {
                Some(Resource {
                    id: k.as_str()?,
                    kind: v.get("Type")?.as_str()?,
                    properties: v.get("Properties").unwrap_or(&Value::Null),
                })
            })
    }

    /// The resource `id`.
    pub fn resource(&self, id: &str) -> Option<Resource<'_>> {
        self.resources().find(|r| r.id == id)
    }

    /// The resource `id`'s `Metadata`.
    fn metadata(&self, id: &str) -> Option<&Value> {
        self.0.get("Resources")?.get(id)?.get("Metadata")
    }

    /// `Globals.Function`, `Null` if none.
    fn function_globals(&self) -> &Value {
        self.0
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .unwrap_or(&Value::Null)
    }

    /// A scalar, with `!Ref Parameter` resolved to the parameter's default
    /// (the value a plain `sam deploy` uses).
    pub fn scalar(&self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => match EnvValue::read(v) {
                EnvValue::Ref(name) => self.parameter_default(&name),
                _ => None,
            },
        }
    }

    /// The `Default` of parameter `name`.
    pub fn parameter_default(&self, name: &str) -> Option<String> {
        let default = self.0.get("Parameters")?.get(name)?.get("Default")?;
        self.scalar(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_project_template() {
        let t = Template::project().unwrap();
        assert_eq!(
            t.resource("AppTable").map(|r| r.kind),
            Some("AWS::DynamoDB::Table")
        );
        assert_eq!(
            t.parameter_default("Architecture").as_deref(),
            Some("arm64")
        );
        assert!(t.resources().count() > 10);
    }
}
