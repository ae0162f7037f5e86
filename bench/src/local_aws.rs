//! The local AWS behind the first invoke: a MiniStack with the resources the
//! functions' environment names, created from their own definitions in
//! template.yaml.
//!
//! Why not `sam build` + `sam deploy` of the whole stack: the benchmark
//! needs only the data-plane resources (a table, buckets, a bus), not the
//! API, the functions, CloudFront or IAM. Creating them with the SDK takes
//! a second instead of a deploy's tens, builds nothing twice, and still
//! takes every shape (keys, indexes) from the template, so the function's
//! calls meet the table it meets in the cloud.

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::resources::{self, Made};
use rightnow_infra::template::{EnvValue, Function, Template};

/// A running MiniStack and the resources made on it. Dropping it stops
/// MiniStack.
pub struct LocalAws {
    ministack: MiniStack,
    resources: HashMap<String, Made>,
}

impl LocalAws {
    /// Starts MiniStack on a free port and creates every resource that one
    /// of `functions` names in its environment.
    pub async fn start(template: &Template, functions: &[Function]) -> Result<Self> {
        let ministack = tokio::task::spawn_blocking(|| MiniStack::start(None))
            .await
            .context("starting MiniStack")??;
        eprintln!("MiniStack on {}", ministack.endpoint());
        let mut aws = Self {
            ministack,
            resources: HashMap::new(),
        };
        let sdk = aws.ministack.sdk_config().await;
        for f in functions {
            for (_, value) in &f.env {
                let Some(id) = value.resource() else { continue };
                if aws.resources.contains_key(id) {
                    continue;
                }
                // Named as a stack would name it: after its logical id.
                let name = format!("bench-{}", id.to_ascii_lowercase());
                let made = resources::create(&sdk, template, id, &name).await?;
                eprintln!("created {id} as {name}");
                aws.resources.insert(id.to_owned(), made);
            }
        }
        Ok(aws)
    }

    /// `AWS_ENDPOINT_URL` for the functions.
    pub fn endpoint(&self) -> String {
        self.ministack.endpoint()
    }

    /// Where MiniStack listens, for a proxy in front of it.
    pub fn address(&self) -> std::net::SocketAddr {
        (std::net::Ipv4Addr::LOCALHOST, self.ministack.port()).into()
    }

    /// The function's environment variables with their resources resolved
    /// to the ones made here. A variable naming something this module does
    /// not create is an error: better no figure than a figure of a
    /// function failing on a missing resource.
    pub fn resolve(&self, f: &Function) -> Result<Vec<(String, String)>> {
        f.env
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    EnvValue::Literal(s) => s.clone(),
                    EnvValue::Ref(id) => self.get(id)?.name.clone(),
                    EnvValue::GetAtt(id, attr) if attr == "Arn" => self.get(id)?.arn.clone(),
                    EnvValue::GetAtt(id, attr) if attr == "Name" => self.get(id)?.name.clone(),
                    other => bail!("{}: cannot resolve {k} = {other:?}", f.logical_id),
                };
                Ok((k.clone(), value))
            })
            .collect()
    }

    fn get(&self, id: &str) -> Result<&Made> {
        self.resources
            .get(id)
            .with_context(|| format!("resource {id} was not created"))
    }
}

/// Resolves the environment of a function that names no resource (the
/// floor, or a function with only literals) without a MiniStack.
pub fn literals_only(f: &Function) -> Option<Vec<(String, String)>> {
    f.env
        .iter()
        .map(|(k, v)| match v {
            EnvValue::Literal(s) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect()
}
