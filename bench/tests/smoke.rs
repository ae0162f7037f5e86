//! The benchmark harness measures something: the floor, built with
//! cargo-lambda as in a full run, cold-started a few times against the
//! harness's runtime API, then loaded with wrk through cargo lambda's
//! Invoke API (the latency benchmark's direct path). Every figure must be
//! present and positive, so a harness broken into measuring nothing fails
//! `make test`.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_floor_cold_starts_and_every_figure_is_measured() {
    let smoke = rightnow_bench::smoke(3).await.unwrap_or_else(|e| {
        panic!("the benchmark harness failed on the floor: {e:#}");
    });
    assert_eq!(smoke.init_ms.samples.len(), 3);
    assert!(smoke.init_ms.min > 0.0, "{smoke:?}");
    assert!(smoke.first_invoke_ms.min > smoke.init_ms.min, "{smoke:?}");
    assert!(smoke.warm_invoke_ms.min > 0.0, "{smoke:?}");
    // The direct path answered every request under load.
    assert!(smoke.direct.requests > 0, "{smoke:?}");
    assert_eq!(smoke.direct.errors, 0, "{smoke:?}");
    assert!(smoke.direct.p99_ms >= smoke.direct.p50_ms, "{smoke:?}");
    assert!(smoke.direct_peak_rss_kib > 200, "{smoke:?}");
    // A Rust process with a tokio runtime and an HTTP client: more than a
    // few hundred KiB resident, far less than 128 MB.
    assert!(
        (200.0..131_072.0).contains(&smoke.peak_rss_kib.median),
        "{smoke:?}"
    );
}
