//! Render time of a realistic one-page attestation (logo, header, 10-row
//! table, QR code, signature): p50 and p95 over N renders.
//!
//! `cargo bench -p guichet-document` (N defaults to 200; `RENDER_RUNS=1000`).

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::var("RENDER_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(200).max(1);
    let doc = fixtures::attestation();
    // The first render parses the embedded fonts (once per process).
    let first = Instant::now();
    let pdf = guichet_document::render_pdf(&doc).expect("the benchmark attestation renders");
    let cold = first.elapsed();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let bytes = guichet_document::render_pdf(&doc).expect("the benchmark attestation renders");
            let elapsed = start.elapsed();
            assert_eq!(bytes.len(), pdf.len());
            elapsed
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "render_pdf (1-page attestation, {} bytes): first {:.2} ms, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms over {runs} renders",
        pdf.len(),
        cold.as_secs_f64() * 1e3,
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}
