//! The template's data-plane resources (tables, buckets, buses) made
//! directly on a local AWS, from their own definitions in template.yaml,
//! for what needs them without a whole stack: the adapter tests and the
//! benchmark's cold starts. A table gets the template's keys and indexes,
//! so the adapters meet the table they meet in the cloud.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};
use serde_yaml::Value;

use crate::ministack::{ACCOUNT, REGION};
use crate::template::Template;

/// A resource made on the local AWS: what `!Ref` and `!GetAtt .Arn` give.
#[derive(Debug, Clone)]
pub struct Made {
    /// What `!Ref` gives: the name.
    pub name: String,
    /// What `!GetAtt <id>.Arn` gives.
    pub arn: String,
}

/// Makes the template's resource `id`, named `name`, through `sdk`.
pub async fn create(
    sdk: &aws_config::SdkConfig,
    template: &Template,
    id: &str,
    name: &str,
) -> Result<Made> {
    let resource = template
        .resource(id)
        .with_context(|| format!("the template has no resource {id}"))?;
    let made = match resource.kind {
        "AWS::DynamoDB::Table" => {
            create_table(
                &aws_sdk_dynamodb::Client::new(sdk),
                name,
                resource.properties,
            )
            .await?;
            Made {
                arn: format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"),
                name: name.to_owned(),
            }
        }
        "AWS::S3::Bucket" => {
            s3(sdk)
                .create_bucket()
                .bucket(name)
                .send()
                .await
                .map_err(|e| sdk_error(e, format!("creating bucket {name}")))?;
            Made {
                arn: format!("arn:aws:s3:::{name}"),
                name: name.to_owned(),
            }
        }
        "AWS::Events::EventBus" => {
            let out = aws_sdk_eventbridge::Client::new(sdk)
                .create_event_bus()
                .name(name)
                .send()
                .await
                .map_err(|e| sdk_error(e, format!("creating event bus {name}")))?;
            Made {
                arn: out.event_bus_arn().map(str::to_owned).unwrap_or_else(|| {
                    format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}")
                }),
                name: name.to_owned(),
            }
        }
        other => bail!("{id} is a {other}: infra/src/resources.rs cannot make one yet"),
    };
    Ok(made)
}

/// Makes a fresh copy of the project template's resource `id` through
/// `sdk`, named `<prefix>-<id>-<a number no other call uses>`: what the
/// adapter tests and the benches each need, a table or bucket of their own.
pub async fn create_fresh(sdk: &aws_config::SdkConfig, id: &str, prefix: &str) -> Result<Made> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static MADE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = MADE.fetch_add(1, Ordering::Relaxed);
    let name = format!("{prefix}-{}-{nanos}-{n}", id.to_ascii_lowercase());
    create(sdk, &Template::project()?, id, &name).await
}

/// An S3 client for the local AWS: path-style, since
/// `bucket.127.0.0.1` does not resolve.
pub fn s3(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
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
