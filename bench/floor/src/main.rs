//! The floor: the least a Rust Lambda function can be. Same runtime crate,
//! same release profile as the app's functions; no SDK, no router. The
//! benchmarks report every function's init beside this one's.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
