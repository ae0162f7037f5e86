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
use std::time::Duration;

use anyhow::{Context, Result, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};
use rightnow_infra::ministack::{ACCOUNT, MiniStack, REGION};
use serde_yaml::Value;

use crate::template::{EnvValue, FunctionSpec, Template};

/// A resource created for the benchmark.
#[derive(Debug, Clone)]
pub struct Resource {
    /// What `!Ref` gives: the name.
    pub name: String,
    pub arn: String,
}

/// A running MiniStack and the resources made on it. Dropping it stops
/// MiniStack.
pub struct LocalAws {
    ministack: MiniStack,
    resources: HashMap<String, Resource>,
}

impl LocalAws {
    /// Starts MiniStack on a free port and creates every resource that one
    /// of `functions` names in its environment.
    pub async fn start(template: &Template, functions: &[FunctionSpec]) -> Result<Self> {
        let ministack = tokio::task::spawn_blocking(|| MiniStack::start(None))
            .await
            .context("starting MiniStack")??;
        eprintln!("MiniStack on {}", ministack.endpoint());
        let mut aws = Self {
            ministack,
            resources: HashMap::new(),
        };
        let clients = Clients::new(&aws.ministack.endpoint()).await;
        for f in functions {
            for (_, value) in &f.env {
                let Some(id) = value.resource() else { continue };
                if aws.resources.contains_key(id) {
                    continue;
                }
                let resource = create(&clients, template, id).await?;
                aws.resources.insert(id.to_owned(), resource);
            }
        }
        Ok(aws)
    }

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
    pub fn resolve(&self, f: &FunctionSpec) -> Result<Vec<(String, String)>> {
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

    fn get(&self, id: &str) -> Result<&Resource> {
        self.resources
            .get(id)
            .with_context(|| format!("resource {id} was not created"))
    }
}

/// Resolves the environment of a function that names no resource (the
/// floor, or a function with only literals) without a MiniStack.
pub fn literals_only(f: &FunctionSpec) -> Option<Vec<(String, String)>> {
    f.env
        .iter()
        .map(|(k, v)| match v {
            EnvValue::Literal(s) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    events: aws_sdk_eventbridge::Client,
}

impl Clients {
    async fn new(endpoint: &str) -> Self {
        let sdk = rightnow_infra::ministack::sdk_config(endpoint).await;
        let s3 = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            events: aws_sdk_eventbridge::Client::new(&sdk),
        }
    }
}

/// Creates the template's resource `id` on MiniStack.
async fn create(c: &Clients, template: &Template, id: &str) -> Result<Resource> {
    let (kind, props) = template
        .resource(id)
        .with_context(|| format!("the template has no resource {id}"))?;
    // Names as a stack would make them: derived from the logical id,
    // lower case where the service needs it.
    let name = format!("bench-{}", id.to_ascii_lowercase());
    let resource = match kind {
        "AWS::DynamoDB::Table" => {
            create_table(&c.dynamodb, &name, props).await?;
            Resource {
                arn: format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
                name,
            }
        }
        "AWS::S3::Bucket" => {
            c.s3.create_bucket()
                .bucket(&name)
                .send()
                .await
                .map_err(|e| sdk_error(e, format!("creating bucket {name}")))?;
            Resource {
                arn: format!("arn:aws:s3:::{name}"),
                name,
            }
        }
        "AWS::Events::EventBus" => {
            let out = c
                .events
                .create_event_bus()
                .name(&name)
                .send()
                .await
                .map_err(|e| sdk_error(e, format!("creating event bus {name}")))?;
            Resource {
                arn: out.event_bus_arn().map(str::to_owned).unwrap_or_else(|| {
                    format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}")
                }),
                name,
            }
        }
        other => bail!(
            "{id} is a {other}: the benchmark cannot create one yet (add it in bench/src/local_aws.rs)"
        ),
    };
    eprintln!("created {kind} {id} as {}", resource.name);
    Ok(resource)
}

/// A table with the template's keys and global secondary indexes, on
/// demand.
async fn create_table(ddb: &aws_sdk_dynamodb::Client, name: &str, props: &Value) -> Result<()> {
    let s = |v: &Value, k: &str| -> Result<String> {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("table property {k} missing in {v:?}"))
    };
    let key_schema = |v: Option<&Value>| -> Result<Vec<KeySchemaElement>> {
        seq(v)
            .iter()
            .map(|k| {
                Ok(KeySchemaElement::builder()
                    .attribute_name(s(k, "AttributeName")?)
                    .key_type(KeyType::from(s(k, "KeyType")?.as_str()))
                    .build()?)
            })
            .collect()
    };
    let mut req = ddb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(props.get("KeySchema"))?));
    for a in seq(props.get("AttributeDefinitions")) {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(s(a, "AttributeName")?)
                .attribute_type(ScalarAttributeType::from(s(a, "AttributeType")?.as_str()))
                .build()?,
        );
    }
    for g in seq(props.get("GlobalSecondaryIndexes")) {
        let projection = g
            .get("Projection")
            .and_then(|p| p.get("ProjectionType"))
            .and_then(Value::as_str)
            .unwrap_or("ALL");
        req = req.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(s(g, "IndexName")?)
                .set_key_schema(Some(key_schema(g.get("KeySchema"))?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(projection))
                        .build(),
                )
                .build()?,
        );
    }
    req.send()
        .await
        .map_err(|e| sdk_error(e, format!("creating table {name}")))?;
    // MiniStack makes tables active at once; AWS would not, so wait anyway.
    for _ in 0..100 {
        let out = ddb
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk_error(e, format!("describing table {name}")))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("table {name} never became ACTIVE")
}

/// An SDK error with its whole chain in the message (the SDK's own Display
/// says only "service error").
fn sdk_error<E: std::error::Error + Send + Sync + 'static>(e: E, what: String) -> anyhow::Error {
    anyhow::anyhow!(
        "{what}: {}",
        aws_sdk_dynamodb::error::DisplayErrorContext(e)
    )
}

fn seq(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}
