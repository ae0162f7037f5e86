//! What a day's report costs, apart from cold start (which `make bench`
//! measures on the binary):
//!
//! 1. on a MiniStack this bench starts: a day of 10,000 and one of 100,000
//!    activity items (nine in ten pages, one in ten unanswered questions)
//!    reported through the real DynamoDB and S3 adapters, each run in a
//!    child process of its own so that its peak RSS (Linux's high-water
//!    mark) is the job's alone, not the seeding's. Printed: items read per
//!    second by the read steps, the whole run's time, and the peak RSS;
//! 2. with criterion, CPU only: counting 10,000 records into the figures,
//!    and rendering what surrounds the rows (the page and report.json's
//!    figures).
//!
//! `cargo bench -p batch-report --bench report [-- --quick]`. The criterion
//! group is named after the package: `rightnow-bench` reads the medians
//! from `target/criterion/batch-report/*/new/estimates.json`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use criterion::{Criterion, Throughput, criterion_group};
use rightnow_aws::dynamodb::AppTable;
use rightnow_aws::objects::BucketObjects;
use rightnow_domain::activity::{DayRecord, Hourly, PageDay};
use rightnow_domain::clock::SystemClock;
use rightnow_domain::fakes::RecordingPublisher;
use rightnow_domain::page::Slug;
use rightnow_domain::report::{Figures, RunId};
use rightnow_domain::services::{
    JobSettings, Prepared, Progress, ReportJob, ReportJobPorts, RowsBytes,
};
use time::macros::date;

/// The child's instructions, in its environment: `<table> <bucket> <items>`.
const CHILD: &str = "BATCH_REPORT_BENCH_CHILD";
const DAY: &str = "2026-11-01";

fn job(table: Arc<AppTable>, objects: Arc<BucketObjects>) -> ReportJob {
    ReportJob::new(
        ReportJobPorts {
            activity: table.clone(),
            runs: table,
            objects,
            bus: Arc::new(RecordingPublisher::default()),
            clock: Arc::new(SystemClock),
        },
        JobSettings {
            lease: time::Duration::minutes(15),
        },
    )
}

/// This process's peak resident set, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

/// In the child: the whole run, as the steps do it (read steps of 30 s,
/// the function's budget), then one line of figures on stdout.
fn child(spec: &str) {
    let [table, bucket, items]: [&str; 3] = spec
        .split(' ')
        .collect::<Vec<_>>()
        .try_into()
        .expect("<table> <bucket> <items>");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("MiniStack's endpoint");
        let sdk = rightnow_infra::ministack::sdk_config(&endpoint).await;
        let s3 = rightnow_infra::resources::s3(&sdk);
        let table = Arc::new(AppTable::new(aws_sdk_dynamodb::Client::new(&sdk), table));
        let job = job(table, Arc::new(BucketObjects::new(s3, bucket)));
        let started = Instant::now();
        let run = RunId::parse(&format!("bench-{items}")).unwrap();
        let Prepared::Started(started_run) = job.prepare(Some(DAY), run).await.unwrap() else {
            panic!("the day is free")
        };
        let mut progress = *started_run;
        let (mut steps, mut reading) = (0, Duration::ZERO);
        while !progress.done {
            let t = Instant::now();
            progress = job
                .aggregate(progress, Duration::from_secs(30), batch_report::PAGE_SIZE)
                .await
                .unwrap();
            reading += t.elapsed();
            steps += 1;
        }
        let files = batch_report::render_files(&progress).unwrap();
        job.store(&progress, files).await.unwrap();
        job.publish(&progress).await.unwrap();
        println!(
            "{items} {} {steps} {:.3} {:.3} {}",
            progress.figures.pages,
            reading.as_secs_f64(),
            started.elapsed().as_secs_f64(),
            peak_rss_kib()
        );
    });
}

/// A day of `items` activity items, written as the functions write them:
/// nine in ten a page's counters, one in ten an unanswered question.
async fn seed(client: &aws_sdk_dynamodb::Client, table: &str, items: usize) {
    let s = |v: String| AttributeValue::S(v);
    let n = |v: u64| AttributeValue::N(v.to_string());
    let requests: Vec<WriteRequest> = (0..items)
        .map(|i| {
            let mut item =
                std::collections::HashMap::from([("pk".to_owned(), s(format!("DAY#{DAY}")))]);
            if i % 10 == 9 {
                item.insert("sk".into(), s(format!("UNANSWERED#question number {i}")));
                item.insert("question".into(), s(format!("question number {i}")));
                item.insert("count".into(), n(1 + (i % 7) as u64));
            } else {
                item.insert("sk".into(), s(format!("PAGE#page-{i:06}")));
                item.insert("views".into(), n(1 + (i % 13) as u64));
                item.insert("comments".into(), n((i % 3) as u64));
                item.insert(format!("viewsAt{:02}", i % 24), n(1 + (i % 13) as u64));
            }
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                .build()
        })
        .collect();
    for batch in requests.chunks(25) {
        let mut pending = Some(batch.to_vec());
        while let Some(batch) = pending.take().filter(|b| !b.is_empty()) {
            let out = client
                .batch_write_item()
                .request_items(table, batch)
                .send()
                .await
                .expect("seeding the day");
            pending = out.unprocessed_items.and_then(|mut u| u.remove(table));
        }
    }
}

/// Part 1: the two days on MiniStack, each reported by a child process.
fn on_local_aws() {
    let ms = rightnow_infra::ministack::shared();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut lines = Vec::new();
    for items in [10_000usize, 100_000] {
        let (table, bucket) = rt.block_on(async {
            let sdk = ms.sdk_config().await;
            let make = |id: &'static str| {
                let sdk = &sdk;
                async move {
                    rightnow_infra::resources::create_fresh(sdk, id, "bench")
                        .await
                        .expect("a resource made from the template")
                        .name
                }
            };
            let (table, bucket) = (make("AppTable").await, make("ReportsBucket").await);
            let started = Instant::now();
            seed(&aws_sdk_dynamodb::Client::new(&sdk), &table, items).await;
            eprintln!(
                "seeded {items} items in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            (table, bucket)
        });
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD, format!("{table} {bucket} {items}"))
            .envs(ms.aws_env())
            .output()
            .expect("the measuring child");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
    }
    eprintln!("batch-report on MiniStack, each day reported by a process of its own:");
    let mut peaks = Vec::new();
    for line in &lines {
        let v: Vec<&str> = line.split(' ').collect();
        let (items, pages, steps, reading, whole, peak) = (v[0], v[1], v[2], v[3], v[4], v[5]);
        let items_n: f64 = items.parse().unwrap();
        let reading: f64 = reading.parse().unwrap();
        let peak: f64 = peak.parse::<f64>().unwrap() / 1024.0;
        peaks.push(peak);
        eprintln!(
            "  {items} items ({pages} pages): read at {:.0} items/s in {steps} step(s); whole run {whole} s; peak RSS {peak:.1} MiB",
            items_n / reading
        );
    }
    eprintln!(
        "  peak RSS, 100,000 over 10,000 items: {:.2}x",
        peaks[1] / peaks[0]
    );
}

fn report(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch-report");
    let records: Vec<DayRecord> = (0..10_000u64)
        .map(|i| {
            let mut views_by_hour = Hourly::default();
            views_by_hour.0[usize::try_from(i % 24).unwrap()] = i % 13;
            DayRecord::Page(PageDay {
                slug: Slug::parse(&format!("page-{i:06}")).unwrap(),
                views: i % 13,
                comments: i % 3,
                views_by_hour,
                comments_by_hour: Hourly::default(),
            })
        })
        .collect();
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("count 10,000 records into the figures", |b| {
        b.iter(|| {
            let mut f = Figures::default();
            for r in records.iter().cloned() {
                f.add(r);
            }
            f
        })
    });
    // A finished day's figures, rendered again and again (its rows are
    // streamed from the working files when stored, never rendered here).
    let mut figures = Figures::default();
    for r in records.iter().cloned() {
        figures.add(r);
    }
    let progress = Progress {
        day: date!(2026 - 11 - 01),
        run: RunId::parse("bench").unwrap(),
        cursor: None,
        parts: 20,
        rows_bytes: RowsBytes::default(),
        pending: vec![],
        figures,
        done: true,
    };
    g.throughput(Throughput::Elements(1));
    g.bench_function("render the page and report.json around its rows", |b| {
        b.iter(|| batch_report::render_files(&progress).unwrap())
    });
    g.finish();
}

criterion_group!(benches, report);

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this
    // binary too (criterion's test mode), and should not seed 110,000
    // items for it.
    if std::env::args().any(|a| a == "--bench") {
        on_local_aws();
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
