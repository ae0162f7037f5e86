//! `make load`: a bounded, open-loop load across the routes of site-api
//! and the chatbot, for a fixed time, then every acknowledged write read
//! back. Two paths, one after the other, on a stack deployed for it:
//!
//! - **gateway**: the local API Gateway URL, as a user calls it;
//! - **direct**: each function served from cargo lambda's emulator
//!   ([`Direct`]), where MiniStack's gateway and Lambda service do not
//!   cap the rate.
//!
//! Open loop: a request is sent every `1/rate` seconds whether or not the
//! earlier ones were answered, and its latency counts from when it was
//! due, so that a stall shows in the figures instead of slowing the
//! sender (what wrk's closed loop would hide). What the run must show:
//! no 5xx, and every comment, view and chat turn that was acknowledged is
//! in the table. The CPU each process used tells where the first
//! bottleneck is.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rightnow_infra::direct::Direct;
use rightnow_infra::ministack::MiniStack;
use rightnow_infra::stack::{self, BuildMode, Stack};
use rightnow_infra::template::Template;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// How hard, how long.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Requests sent per second, across the routes.
    pub rate: u32,
    /// How long each path is loaded.
    pub duration: Duration,
    /// Processes per function on the direct path (sandboxes).
    pub processes: usize,
    /// Load one path only, to find its own limit.
    pub only: Option<Via>,
}

/// Where the load is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Via {
    /// The local API Gateway URL.
    Gateway,
    /// cargo lambda's emulator.
    Direct,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            rate: 50,
            duration: Duration::from_secs(60),
            processes: 4,
            only: None,
        }
    }
}

/// The pages a run writes to, per path.
const PAGES: usize = 10;

/// What one request of the mix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
enum Kind {
    #[serde(rename = "GET /api/health")]
    Health,
    #[serde(rename = "POST /api/pages/{slug}/views")]
    RecordView,
    #[serde(rename = "GET /api/pages/{slug}/views")]
    PageViews,
    #[serde(rename = "POST /api/pages/{slug}/comments")]
    PostComment,
    #[serde(rename = "GET /api/pages/{slug}/comments")]
    ListComments,
    #[serde(rename = "POST /api/chat")]
    Chat,
}

/// The mix, in the order it is sent: reads and writes of both functions.
const MIX: [Kind; 6] = [
    Kind::RecordView,
    Kind::PageViews,
    Kind::PostComment,
    Kind::ListComments,
    Kind::Chat,
    Kind::Health,
];

/// One answer.
#[derive(Debug, Clone)]
struct Outcome {
    kind: Kind,
    status: u16,
    /// From when the request was due to its answer.
    latency: Duration,
    page: usize,
    /// A comment's body, a chat session's id: what to read back.
    written: Option<String>,
}

impl Outcome {
    /// A write the caller was told landed, with something to find again.
    fn acknowledged(&self) -> bool {
        (200..300).contains(&self.status) && self.written.is_some()
    }
}

/// One path's figures.
#[derive(Debug, Serialize)]
pub struct PathLoad {
    /// `gateway` or `direct`.
    pub path: &'static str,
    /// Requests sent.
    pub sent: usize,
    /// Requests answered per second.
    pub achieved_rps: f64,
    /// Median latency from when each request was due, in ms.
    pub p50_ms: f64,
    /// 99th percentile latency, in ms.
    pub p99_ms: f64,
    /// Slowest answer, in ms.
    pub max_ms: f64,
    /// Answers by status.
    pub statuses: HashMap<u16, usize>,
    /// Requests that got no answer at all.
    pub unanswered: usize,
    /// Why, by kind: `timeout` (no answer within 30 s), `connect`, `other`.
    pub unanswered_by_kind: HashMap<&'static str, usize>,
    /// p99 per route, in ms.
    pub p99_ms_by_route: HashMap<String, f64>,
    /// Share of one core each process used during the load.
    pub cpu: HashMap<String, f64>,
    /// Writes acknowledged (2xx).
    pub acknowledged_writes: usize,
    /// Acknowledged writes found again afterwards.
    pub read_back: usize,
    /// Why the writes could not all be looked for, if they could not.
    pub read_back_error: Option<String>,
}

impl PathLoad {
    /// Answers with a 5xx status.
    fn server_errors(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(status, _)| **status >= 500)
            .map(|(_, n)| n)
            .sum()
    }

    /// How the load was not held on this path, if it was not.
    fn failures(&self) -> Vec<String> {
        let path = self.path;
        let mut f = Vec::new();
        let errors = self.server_errors();
        if errors > 0 {
            f.push(format!("{path}: {errors} answers were 5xx"));
        }
        if self.unanswered > 0 {
            f.push(format!(
                "{path}: {} requests got no answer",
                self.unanswered
            ));
        }
        if let Some(e) = &self.read_back_error {
            f.push(format!("{path}: the writes could not be read back: {e}"));
        }
        if self.read_back != self.acknowledged_writes {
            f.push(format!(
                "{path}: {} of {} acknowledged writes read back",
                self.read_back, self.acknowledged_writes
            ));
        }
        f
    }
}

/// Loads each path asked for, prints its figures, checks them and returns
/// them.
pub async fn run(opts: Options) -> Result<Vec<PathLoad>> {
    let mut ms = tokio::task::spawn_blocking(|| MiniStack::start(None))
        .await
        .context("starting MiniStack")??;
    let built = {
        let ms = &ms;
        tokio::task::block_in_place(|| stack::build(ms, BuildMode::Release))?
    };
    // samconfig.toml's `bench` environment: the limits per address raised,
    // since every request of the load comes from one address.
    let stack = stack::deploy(&ms, &built, "rightnow-load", "bench").await?;
    let functions = Template::project()?.functions();
    let spec = |binary: &str| {
        functions
            .iter()
            .find(|f| f.binary == binary)
            .with_context(|| format!("{binary} is not in the template"))
    };

    let mut all = Vec::new();
    let wanted = |via: Via| opts.only.is_none_or(|only| only == via);
    let ms_pid = ms.pid();
    print_header(opts);
    if wanted(Via::Gateway) {
        let api = stack.api_url()?;
        let gateway = Bases {
            site: api.clone(),
            chat: api,
        };
        let pids = [("MiniStack", ms_pid)];
        let measured = load_path("gateway", &gateway, opts, &ms, &stack, &pids).await?;
        print_path(&measured);
        all.push(measured);
    }
    if wanted(Via::Direct) {
        let mut site = Direct::start(&ms, &stack, spec("site-api")?, opts.processes).await?;
        let mut chat = Direct::start(&ms, &stack, spec("chatbot")?, opts.processes).await?;
        let mut pids = vec![("MiniStack", ms_pid)];
        pids.extend(site.pids().into_iter().map(|p| ("site-api", p)));
        pids.extend(chat.pids().into_iter().map(|p| ("chatbot", p)));
        let direct = Bases {
            site: site.url(),
            chat: chat.url(),
        };
        let measured = load_path("direct", &direct, opts, &ms, &stack, &pids).await?;
        print_path(&measured);
        all.push(measured);
    }
    ms.stop();

    let failures: Vec<String> = all.iter().flat_map(PathLoad::failures).collect();
    if !failures.is_empty() {
        bail!("the load was not held: {}", failures.join("; "));
    }
    Ok(all)
}

/// Where each function is called.
struct Bases {
    site: String,
    chat: String,
}

async fn load_path(
    path: &'static str,
    bases: &Bases,
    opts: Options,
    ms: &MiniStack,
    stack: &Stack,
    pids: &[(&'static str, u32)],
) -> Result<PathLoad> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .build()?;
    let run_id = ulid::Ulid::new().to_string().to_lowercase();
    let pages: Vec<String> = (0..PAGES)
        .map(|i| format!("load-{path}-{run_id}-{i}"))
        .collect();
    // Every page exists before the clock starts, and every sandbox is warm.
    for p in &pages {
        let r = http
            .post(format!("{}/api/pages/{p}/views", bases.site))
            .send()
            .await
            .with_context(|| format!("{path}: site-api does not answer"))?;
        if !r.status().is_success() {
            bail!("{path}: priming {p} answered {}", r.status());
        }
    }
    eprintln!(
        "load: {path}, {} requests a second for {:?}",
        opts.rate, opts.duration
    );
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    // The function processes MiniStack started for the priming, if the
    // gateway served it.
    let mut pids = pids.to_vec();
    pids.extend(
        ms.function_pids()
            .into_iter()
            .map(|p| ("functions (in MiniStack)", p)),
    );
    let pids = pids.as_slice();
    let cpu_before = cpu_times(pids);
    let started = Instant::now();
    let period = Duration::from_secs_f64(1.0 / f64::from(opts.rate.max(1)));
    let total = usize::try_from(opts.duration.as_millis() * u128::from(opts.rate) / 1000)?;
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        let due = started + period.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let kind = MIX[n % MIX.len()];
        let page = (n / MIX.len()) % PAGES;
        let request = request(&http, bases, kind, &pages[page], n);
        let outcomes = outcomes.clone();
        tasks.push(tokio::spawn(async move {
            let answer = request.send().await;
            let outcome = match answer {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    Ok(Outcome {
                        kind,
                        status,
                        latency: due.elapsed(),
                        page,
                        written: written(kind, &body),
                    })
                }
                Err(e) => Err(if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "other"
                }),
            };
            outcomes.lock().await.push(outcome);
        }));
    }
    for t in tasks {
        t.await?;
    }
    let wall = started.elapsed();
    let cpu_after = cpu_times(pids);
    let outcomes = std::mem::take(&mut *outcomes.lock().await);
    let mut unanswered_by_kind = HashMap::new();
    let mut answered = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Ok(o) => answered.push(o),
            Err(kind) => *unanswered_by_kind.entry(kind).or_default() += 1,
        }
    }
    let unanswered = unanswered_by_kind.values().sum();

    let acknowledged_writes = answered.iter().filter(|o| o.acknowledged()).count();
    let (read_back, read_back_error) =
        match read_back(&http, bases, ms, stack, &pages, &answered).await {
            Ok(found) => (found, None),
            Err(e) => (0, Some(format!("{e:#}"))),
        };
    let mut statuses = HashMap::new();
    for o in &answered {
        *statuses.entry(o.status).or_default() += 1;
    }
    let mut by_route: HashMap<Kind, Vec<Duration>> = HashMap::new();
    for o in &answered {
        by_route.entry(o.kind).or_default().push(o.latency);
    }
    let mut all: Vec<Duration> = answered.iter().map(|o| o.latency).collect();
    let mut cpu = HashMap::new();
    for ((name, _), (before, after)) in pids.iter().zip(cpu_before.iter().zip(&cpu_after)) {
        let used = after.saturating_sub(*before) as f64 / clock_ticks() / wall.as_secs_f64();
        *cpu.entry((*name).to_owned()).or_insert(0.0) += used;
    }
    Ok(PathLoad {
        path,
        sent: total,
        achieved_rps: answered.len() as f64 / wall.as_secs_f64(),
        p50_ms: ms_at(&mut all, 500),
        p99_ms: ms_at(&mut all, 990),
        max_ms: ms_at(&mut all, 1000),
        statuses,
        unanswered,
        unanswered_by_kind,
        p99_ms_by_route: by_route
            .into_iter()
            .map(|(k, mut v)| (route_name(k), ms_at(&mut v, 990)))
            .collect(),
        cpu,
        acknowledged_writes,
        read_back,
        read_back_error,
    })
}

/// The `n`th request of the run, of `kind`, on `page`.
fn request(
    http: &reqwest::Client,
    bases: &Bases,
    kind: Kind,
    page: &str,
    n: usize,
) -> reqwest::RequestBuilder {
    let site = &bases.site;
    let key = ulid::Ulid::new().to_string();
    match kind {
        Kind::Health => http.get(format!("{site}/api/health")),
        Kind::RecordView => http.post(format!("{site}/api/pages/{page}/views")),
        Kind::PageViews => http.get(format!("{site}/api/pages/{page}/views")),
        Kind::PostComment => http
            .post(format!("{site}/api/pages/{page}/comments"))
            .header("idempotency-key", key)
            .json(&json!({"author": "Load", "body": format!("load comment {n}")})),
        Kind::ListComments => http.get(format!("{site}/api/pages/{page}/comments?limit=10")),
        Kind::Chat => http
            .post(format!("{}/api/chat", bases.chat))
            .header("idempotency-key", key)
            .json(&json!({"message": "what is a cold start?"})),
    }
}

/// What an acknowledged write of `kind` left to find again.
fn written(kind: Kind, body: &Value) -> Option<String> {
    let field = match kind {
        Kind::PostComment => "body",
        Kind::Chat => "sessionId",
        Kind::RecordView => "views",
        _ => return None,
    };
    match &body[field] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// How many of the acknowledged writes are found: each comment listed on
/// its page, each page's views at least its acknowledged views (and the
/// priming one), each chat session stored.
async fn read_back(
    http: &reqwest::Client,
    bases: &Bases,
    ms: &MiniStack,
    stack: &Stack,
    pages: &[String],
    answered: &[Outcome],
) -> Result<usize> {
    let acknowledged: Vec<&Outcome> = answered.iter().filter(|o| o.acknowledged()).collect();
    let mut found = 0;
    for (i, page) in pages.iter().enumerate() {
        let mut listed = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}/api/pages/{page}/comments?limit=100", bases.site);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let body: Value = http.get(&url).send().await?.json().await?;
            for c in body["comments"].as_array().context("comments")? {
                listed.insert(c["body"].as_str().unwrap_or_default().to_owned());
            }
            match body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let views: Value = http
            .get(format!("{}/api/pages/{page}/views", bases.site))
            .send()
            .await?
            .json()
            .await?;
        let views = views["views"].as_u64().unwrap_or(0);
        for o in acknowledged.iter().filter(|o| o.page == i) {
            let here = match o.kind {
                Kind::PostComment => listed.contains(o.written.as_deref().unwrap_or_default()),
                // A view acknowledged with its count n is there if the
                // page has at least n now.
                Kind::RecordView => o
                    .written
                    .as_deref()
                    .and_then(|n| n.parse().ok())
                    .is_some_and(|n: u64| views >= n),
                _ => continue,
            };
            found += usize::from(here);
        }
    }
    let dynamodb = aws_sdk_dynamodb::Client::new(&ms.sdk_config().await);
    let table = stack.output("AppTableName")?;
    for o in acknowledged.iter().filter(|o| o.kind == Kind::Chat) {
        let session = o.written.as_deref().unwrap_or_default();
        let item = dynamodb
            .get_item()
            .table_name(table)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("SESSION#{session}")),
            )
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("SESSION".into()),
            )
            .send()
            .await?;
        found += usize::from(item.item.is_some());
    }
    Ok(found)
}

fn route_name(kind: Kind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The nearest-rank latency at `per_mille` (500: the median), in ms.
fn ms_at(latencies: &mut [Duration], per_mille: usize) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    latencies.sort();
    let n = latencies.len();
    let rank = (per_mille * n).div_ceil(1000).clamp(1, n);
    latencies[rank - 1].as_secs_f64() * 1000.0
}

/// User plus system CPU of each process so far, in clock ticks (0 for
/// one that is gone).
fn cpu_times(pids: &[(&str, u32)]) -> Vec<u64> {
    pids.iter()
        .map(|(_, pid)| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Fields after the command (which may hold spaces), from field 3.
            let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let field = |i: usize| {
                fields
                    .get(i)
                    .and_then(|f| f.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            // utime and stime are fields 14 and 15, here 11 and 12; the
            // children MiniStack waited for are 16 and 17.
            field(11) + field(12) + field(13) + field(14)
        })
        .collect()
}

#[expect(unsafe_code, reason = "sysconf(3)")]
fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 { ticks as f64 } else { 100.0 }
}

fn print_header(opts: Options) {
    println!(
        "\nmake load: {} requests a second for {:?} per path, {} processes per function directly\n",
        opts.rate, opts.duration, opts.processes
    );
    println!(
        "{:<8} {:>6} {:>8} {:>8} {:>8} {:>9} {:>5} {:>10}  cpu (share of a core)",
        "path", "sent", "rps", "p50 ms", "p99 ms", "max ms", "5xx", "read back"
    );
}

fn print_path(p: &PathLoad) {
    let errors = p.server_errors();
    let mut cpu: Vec<_> = p.cpu.iter().collect();
    cpu.sort_by(|a, b| a.0.cmp(b.0));
    let cpu: Vec<String> = cpu.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
    println!(
        "{:<8} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>9.1} {:>5} {:>4}/{:<5}  {}",
        p.path,
        p.sent,
        p.achieved_rps,
        p.p50_ms,
        p.p99_ms,
        p.max_ms,
        errors,
        p.read_back,
        p.acknowledged_writes,
        cpu.join(", ")
    );
    let mut routes: Vec<_> = p.p99_ms_by_route.iter().collect();
    routes.sort_by(|a, b| a.0.cmp(b.0));
    for (route, p99) in routes {
        println!("           p99 {p99:>8.1} ms  {route}");
    }
    let mut statuses: Vec<_> = p.statuses.iter().collect();
    statuses.sort();
    println!(
        "           statuses {statuses:?}, unanswered {} {:?}",
        p.unanswered, p.unanswered_by_kind
    );
    if let Some(e) = &p.read_back_error {
        println!("           read back failed: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut l: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(ms_at(&mut l, 500), 50.0);
        assert_eq!(ms_at(&mut l, 990), 99.0);
        assert_eq!(ms_at(&mut l, 1000), 100.0);
        assert_eq!(ms_at(&mut [], 990), 0.0);
    }
}
