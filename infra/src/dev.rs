//! The dev loop of `make dev`: the deployed functions answered by `cargo
//! lambda watch`.

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use aws_sdk_lambda::types::Environment;

use crate::gaps::Clients;
use crate::ministack::MiniStack;
use crate::process::ChildGroup;
use crate::stack::Stack;
use crate::template::Template;
use crate::tools::{path_with_venv, venv_bin, without_cargo_run_env, workspace_root};

/// Where `cargo lambda watch` listens: `WATCH_PORT`, 9000 by default.
pub fn watch_port() -> u16 {
    std::env::var("WATCH_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(9000)
}

/// Where watch listens, as an address and as a URL's host: IPv6 loopback
/// when the machine has it, since a plain `cargo lambda invoke` calls
/// `[::1]` (its default); IPv4 loopback otherwise. Never every interface:
/// the Invoke API runs any function with any event. Probed once, so that
/// watch's address and every URL to it agree.
pub fn watch_host() -> (&'static str, &'static str) {
    static HOST: std::sync::OnceLock<(&str, &str)> = std::sync::OnceLock::new();
    *HOST.get_or_init(|| match std::net::TcpListener::bind("[::1]:0") {
        Ok(_) => ("::1", "[::1]"),
        Err(_) => ("127.0.0.1", "127.0.0.1"),
    })
}

/// MiniStack's proxy mode: a function whose environment has this variable
/// is not run; MiniStack POSTs each event to the URL instead.
pub const PROXY_VAR: &str = "MINISTACK_LAMBDA_PROXY_URL";

/// Where the deployed functions' settings are written for `cargo lambda
/// watch --env-file`, relative to the workspace.
pub const WATCH_ENV: &str = ".local/watch.env";

/// Writes [`WATCH_ENV`]: every deployed function's environment (TABLE_NAME,
/// MEDIA_BUCKET, ...; their union, as watch runs every function with one
/// environment) and the local endpoint and credentials, so that a
/// function run by `cargo lambda watch` reaches the deployed resources.
/// Returns each function's deployed name and environment.
pub async fn write_watch_env(
    aws: &Clients,
    ms: &MiniStack,
    stack: &Stack,
    functions: &[crate::template::Function],
) -> Result<Vec<(String, HashMap<String, String>)>> {
    let mut env: BTreeMap<String, String> = ms
        .aws_env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    let mut deployed = Vec::new();
    for f in functions {
        let (name, vars) = aws.function_environment(&stack.name, &f.logical_id).await?;
        env.extend(vars.clone());
        deployed.push((name, vars));
    }
    env.remove(PROXY_VAR);
    let lines: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(workspace_root().join(WATCH_ENV), lines)
        .with_context(|| format!("writing {WATCH_ENV}"))?;
    Ok(deployed)
}

/// Starts `cargo lambda watch` with the deployed functions' environment, and
/// points every deployed function at it. The returned guard stops watch.
///
/// A deploy resets a function's environment, so this runs after each
/// deploy. Watch does not read the template, so it gets the deployed
/// variables (TABLE_NAME, ...) in an env file, with the local endpoint.
pub async fn watch_functions(ms: &MiniStack, stack: &Stack) -> Result<ChildGroup> {
    let aws = Clients::new(ms).await;
    let functions = Template::project()?.functions();
    let deployed = write_watch_env(&aws, ms, stack, &functions).await?;
    let env_file = workspace_root().join(WATCH_ENV);

    let mut cmd = Command::new(venv_bin("cargo-lambda"));
    without_cargo_run_env(&mut cmd)
        .current_dir(workspace_root())
        .args(["lambda", "watch", "--invoke-address", watch_host().0])
        .args(["--invoke-port", &watch_port().to_string()])
        .arg("--env-file")
        .arg(&env_file)
        .env("PATH", path_with_venv())
        .stdin(Stdio::null());
    let watch =
        ChildGroup::spawn("cargo lambda watch", cmd).context("starting cargo lambda watch")?;

    for (f, (name, mut vars)) in functions.iter().zip(deployed) {
        let url = format!(
            "http://{}:{}/2015-03-31/functions/{}/invocations",
            watch_host().1,
            watch_port(),
            f.binary
        );
        vars.insert(PROXY_VAR.to_owned(), url);
        aws.lambda
            .update_function_configuration()
            .function_name(&name)
            .environment(Environment::builder().set_variables(Some(vars)).build())
            .send()
            .await
            .with_context(|| format!("pointing {name} at cargo lambda watch"))?;
        // The gateway calls the `live` alias, whose version's environment
        // is frozen: publish the proxied configuration and move the alias,
        // as AutoPublishAlias does on a deploy.
        let version = aws
            .lambda
            .publish_version()
            .function_name(&name)
            .description("make dev: proxied to cargo lambda watch")
            .send()
            .await
            .with_context(|| format!("publish-version {name}"))?
            .version
            .context("published version")?;
        aws.lambda
            .update_alias()
            .function_name(&name)
            .name("live")
            .function_version(version)
            .send()
            .await
            .with_context(|| format!("update-alias {name} live"))?;
    }
    warm_up(&stack.api_url()?).await?;
    Ok(watch)
}

/// The functions started before the first visitor, each with a sample
/// event (`events/<binary>/<name>.json`) that writes nothing: the stack is
/// the developer's, and a warm-up must not leave a view, a chat turn or a
/// report run in it. The functions events invoke start on their first
/// event (their binaries are built by then, so in a fraction of a second).
pub const WARM_UP: [(&str, &str); 2] = [("site-api", "health"), ("chatbot", "message-invalid")];

/// The first call makes watch start the function (and build it, if its
/// code changed since [`crate::stack::build`] built it). Each function of
/// [`WARM_UP`] is sent its event straight to watch's Invoke API, which
/// answers once the function runs, however long a build takes: calls
/// through the gateway would time out meanwhile and pile up invocations
/// that watch then fails to answer. Then one call through the gateway
/// shows the whole path works.
async fn warm_up(api_url: &str) -> Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(900))
        .build()?;
    let started = Instant::now();
    eprintln!("starting the functions under cargo lambda watch (first call)...");
    for (binary, event) in WARM_UP {
        let path = workspace_root().join(format!("events/{binary}/{event}.json"));
        let event = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let url = format!(
            "http://{}:{}/2015-03-31/functions/{binary}/invocations",
            watch_host().1,
            watch_port()
        );
        // Until watch listens, the connection is refused: try again.
        loop {
            match http.post(&url).body(event.clone()).send().await {
                // Any answer means it is built and ran; what the sample
                // event makes it answer is not the point here.
                Ok(_) => break,
                Err(e) if e.is_connect() && started.elapsed() < Duration::from_secs(60) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(e).context(format!("{binary} under cargo lambda watch")),
            }
        }
    }
    let res = http
        .get(format!("{api_url}/api/health"))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .context("the API through the local gateway")?;
    if !res.status().is_success() {
        bail!(
            "the local gateway answered {}; see the output above",
            res.status()
        );
    }
    eprintln!("functions ready in {:.1?}", started.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_warm_up_event_is_a_sample_event_of_its_function() {
        let functions = Template::project().unwrap().functions();
        for (binary, event) in WARM_UP {
            assert!(functions.iter().any(|f| f.binary == binary), "{binary}");
            let path = workspace_root().join(format!("events/{binary}/{event}.json"));
            assert!(path.is_file(), "{}", path.display());
        }
    }
}
