//! MiniStack's gaps that matter to this app, each handled here, once. The
//! numbers are those of the README's list ("The local cloud and its known
//! gaps"); each is pinned by the test `gap_<n>_...` in
//! tests/e2e/ministack_gaps.rs.
//!
//! 1. HTTP API routes: MiniStack ignores the OpenAPI `Body` that SAM
//!    generates for an `HttpApi`, so the API has no routes after a deploy.
//!    [`create_http_api_routes`] creates them from the template's own route
//!    list, through the API Gateway v2 API, as AWS_PROXY integrations with
//!    payload format 2.0 on each function's `live` alias.
//! 2. CodeDeploy: see [`crate::template::drop_deployment_preferences`].
//! 5. One client address: every HTTP API event MiniStack sends carries
//!    `sourceIp` 127.0.0.1, whoever called. What is limited per address is
//!    shown by invoking the deployed function with the event API Gateway
//!    sends, from the address a test names: [`as_sent_from`].

use std::collections::HashMap;

use anyhow::{Context, Result};
use aws_sdk_apigatewayv2::types::IntegrationType;

use crate::ministack::{ACCOUNT, MiniStack, REGION};
use crate::template::Route;

/// The control-plane clients the local cloud needs, pointed at MiniStack.
pub struct Clients {
    /// Stacks: outputs and physical ids.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// The HTTP API: routes and integrations.
    pub apigateway: aws_sdk_apigatewayv2::Client,
    /// Functions: configuration, versions, aliases.
    pub lambda: aws_sdk_lambda::Client,
}

impl Clients {
    /// The clients for `ms`.
    pub async fn new(ms: &MiniStack) -> Self {
        Self::for_endpoint(&ms.endpoint()).await
    }

    /// The clients for the MiniStack at `endpoint`.
    pub async fn for_endpoint(endpoint: &str) -> Self {
        let sdk = crate::ministack::sdk_config(endpoint).await;
        Self {
            cloudformation: aws_sdk_cloudformation::Client::new(&sdk),
            apigateway: aws_sdk_apigatewayv2::Client::new(&sdk),
            lambda: aws_sdk_lambda::Client::new(&sdk),
        }
    }

    /// The stack's Outputs, by key.
    pub async fn stack_outputs(&self, stack: &str) -> Result<HashMap<String, String>> {
        let out = self
            .cloudformation
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .context("describe-stacks")?;
        let stack = out.stacks().first().context("stack not found")?;
        Ok(stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
            .collect())
    }

    /// The physical name of a resource of the stack.
    pub async fn physical_id(&self, stack: &str, logical_id: &str) -> Result<String> {
        let out = self
            .cloudformation
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(logical_id)
            .send()
            .await
            .with_context(|| format!("describe-stack-resource {logical_id}"))?;
        out.stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .map(str::to_owned)
            .with_context(|| format!("{logical_id} has no physical id"))
    }

    /// A deployed function of the stack: its physical name and the
    /// environment variables it was deployed with (table and bucket names).
    pub async fn function_environment(
        &self,
        stack: &str,
        logical_id: &str,
    ) -> Result<(String, HashMap<String, String>)> {
        let name = self.physical_id(stack, logical_id).await?;
        let config = self
            .lambda
            .get_function_configuration()
            .function_name(&name)
            .send()
            .await
            .with_context(|| format!("get-function-configuration {name}"))?;
        let vars = config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        Ok((name, vars))
    }
}

/// README gap 1: creates every route of the template that the HTTP API lacks.
/// Idempotent: routes already there (a redeploy) are left alone. Returns how
/// many routes the API had before, so a test can notice the day MiniStack
/// creates them itself.
pub async fn create_http_api_routes(
    aws: &Clients,
    stack: &str,
    outputs: &HashMap<String, String>,
    routes: &[Route],
) -> Result<usize> {
    let api = outputs.get("HttpApiId").context("output HttpApiId")?;
    let existing: Vec<String> = aws
        .apigateway
        .get_routes()
        .api_id(api)
        .send()
        .await
        .context("get-routes")?
        .items()
        .iter()
        .filter_map(|r| r.route_key().map(str::to_owned))
        .collect();
    let mut integrations: HashMap<&str, String> = HashMap::new();
    for route in routes {
        if existing.contains(&route.key()) {
            continue;
        }
        let integration = match integrations.get(route.function.as_str()) {
            Some(id) => id.clone(),
            None => {
                let function = aws.physical_id(stack, &route.function).await?;
                // AutoPublishAlias: API Gateway calls the `live` alias.
                let uri = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}:live");
                let id = aws
                    .apigateway
                    .create_integration()
                    .api_id(api)
                    .integration_type(IntegrationType::AwsProxy)
                    .integration_uri(uri)
                    .payload_format_version("2.0")
                    .send()
                    .await
                    .context("create-integration")?
                    .integration_id
                    .context("integration id")?;
                integrations.insert(&route.function, id.clone());
                id
            }
        };
        aws.apigateway
            .create_route()
            .api_id(api)
            .route_key(route.key())
            .target(format!("integrations/{integration}"))
            .send()
            .await
            .with_context(|| format!("create-route {}", route.key()))?;
    }
    Ok(existing.len())
}

/// README gap 5: `event` (an API Gateway HTTP API event, such as a sample of
/// events/) as API Gateway sends it for a request from `source_ip`, for the
/// Lambda Invoke API: what MiniStack's own gateway never sends, as it gives
/// every request 127.0.0.1.
pub fn as_sent_from(mut event: serde_json::Value, source_ip: &str) -> serde_json::Value {
    event["requestContext"]["http"]["sourceIp"] = source_ip.into();
    event
}
