//! batch-report's Lambda entry point: wire the adapters once, at init,
//! then run each step the state machine sends until the sandbox ends.

use std::sync::Arc;

use lambda_runtime::{LambdaEvent, service_fn};
use rightnow_aws::config;
use rightnow_aws::dynamodb::AppTable;
use rightnow_aws::eventbridge::EventBus;
use rightnow_aws::objects::BucketObjects;
use rightnow_domain::clock::SystemClock;
use rightnow_domain::services::{JobSettings, ReportJob, ReportJobPorts};

use batch_report::request::Request;

/// How long a run's lease on its day lasts past each step: longer than
/// the function's timeout, so that only a run that stopped loses it.
const LEASE: time::Duration = time::Duration::minutes(15);

// One step at a time per sandbox: a single-threaded runtime is enough and
// starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    rightnow_aws::logging::init();
    // Clients are built here, once per sandbox; building them opens no
    // connection. No warm-up: a step is a batch job's, not a visitor's,
    // and its first call comes straight after init anyway.
    let sdk = config::load().await;
    let table = Arc::new(AppTable::from_env(&sdk)?);
    let ports = ReportJobPorts {
        activity: table.clone(),
        runs: table,
        objects: Arc::new(BucketObjects::from_env(&sdk, "REPORTS_BUCKET")?),
        bus: Arc::new(EventBus::from_env(&sdk)?),
        clock: Arc::new(SystemClock),
    };
    let job = ReportJob::new(ports, JobSettings { lease: LEASE });
    let job = &job;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        batch_report::handle(job, event).await
    }))
    .await
}
