//! Benchmark: what the SDK adds to one call, against plain reqwest and serde_json reading the
//! same answer into the same model.
//!
//! Run with `cargo bench -p tests --bench calls`. A minimal HTTP/1.1 server on 127.0.0.1 (its
//! own thread, keep-alive, the documented `getMachineAction` answer for every request) serves
//! two clients in turn, on one current-thread runtime:
//!
//! - `baseline`: a `reqwest::Client` sending `GET /api/machineactions/{id}` with the bearer
//!   token and `Accept` header, reading the body and decoding it with
//!   `serde_json::from_slice::<models::MachineAction>`;
//! - `sdk`: `client.get_machine_action(&id).send()` with the SDK's defaults (timeouts, retry
//!   policy, user agent, tracing span) and the rate budget disabled, so no call waits.
//!
//! Each round times `CALLS_PER_ROUND` sequential calls of each (their order alternating from
//! round to round) and reports, per call, the wall time and the client thread's CPU time (the
//! server's work, on its own thread, left out: the stricter figure, and one that other work on
//! the machine disturbs less), with the ratios sdk / baseline of that round; the summary is
//! the median ratio over the rounds. `CALLS_BENCH_ROUNDS` sets the rounds (default 15).

#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mde_machine_actions::models::{MachineAction, MachineActionId};
use mde_machine_actions::{Client, RateBudget};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CALLS_PER_ROUND: usize = 2_000;
const TOKEN: &str = "bench-token";
const ID: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";

/// Serves every request on `listener` with the same answer, keeping connections open.
async fn serve(listener: tokio::net::TcpListener, body: &'static str) {
    let answer: &'static [u8] = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .leak()
    .as_bytes();
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 16 * 1024];
            let mut filled = 0;
            loop {
                let Ok(read) = stream.read(&mut buffer[filled..]).await else { return };
                if read == 0 {
                    return;
                }
                filled += read;
                // Requests carry no body: each ends with its blank line.
                while let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                    if stream.write_all(answer).await.is_err() {
                        return;
                    }
                    buffer.copy_within(end + 4..filled, 0);
                    filled -= end + 4;
                }
            }
        });
    }
}

/// Starts the server on its own thread; returns its base URL.
fn start_server() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/docs/get-machineaction-object-response.json"
    );
    let body: &'static str = std::fs::read_to_string(path).expect("the documented answer").leak();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    listener.set_nonblocking(true).expect("non-blocking");
    let address = listener.local_addr().expect("an address");
    std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            serve(listener, body).await;
        });
    });
    format!("http://{address}")
}

async fn baseline_call(http: &reqwest::Client, url: &str) -> MachineAction {
    let response = http
        .get(url)
        .bearer_auth(TOKEN)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .expect("the call succeeds");
    assert!(response.status().is_success());
    let body = response.bytes().await.expect("the body");
    serde_json::from_slice(&body).expect("the model")
}

async fn sdk_call(client: &Client, id: &MachineActionId) -> MachineAction {
    client.get_machine_action(id).send().await.expect("the call succeeds")
}

/// The CPU time this thread has used (Linux: `/proc/thread-self/schedstat`; zero elsewhere).
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    Duration::from_nanos(stat.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0))
}

/// One client's figures for a round, per call: wall time, and the client thread's CPU time.
#[derive(Clone, Copy)]
struct PerCall {
    wall: f64,
    cpu: f64,
}

/// Times `CALLS_PER_ROUND` calls of `call`, in µs per call.
async fn time_calls<F: Future<Output = MachineAction>>(mut call: impl FnMut() -> F) -> PerCall {
    let (start, cpu) = (Instant::now(), thread_cpu());
    for _ in 0..CALLS_PER_ROUND {
        black_box(call().await);
    }
    let per_call = |d: Duration| d.as_secs_f64() * 1e6 / CALLS_PER_ROUND as f64;
    PerCall { wall: per_call(start.elapsed()), cpu: per_call(thread_cpu() - cpu) }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("calls: bench");
        return;
    }
    let rounds: usize =
        std::env::var("CALLS_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let base = start_server();
    let url = format!("{base}/api/machineactions/{ID}");
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let http = reqwest::Client::new();
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(TOKEN)
        .rate_budget(RateBudget::disabled())
        .build()
        .expect("the SDK client");
    let id = MachineActionId::from(ID);
    runtime.block_on(async {
        // Both decode the same answer into the same model.
        assert_eq!(baseline_call(&http, &url).await, sdk_call(&client, &id).await);
        let (mut walls, mut cpus) = (Vec::new(), Vec::new());
        println!("per-call overhead: {rounds} rounds of {CALLS_PER_ROUND} sequential calls each");
        println!("wall: time per call; cpu: the client thread's CPU time per call (µs)");
        println!(
            "round  baseline wall  sdk wall  sdk/baseline   baseline cpu  sdk cpu  sdk/baseline"
        );
        for round in 0..rounds {
            let (b, s) = if round % 2 == 0 {
                let b = time_calls(|| baseline_call(&http, &url)).await;
                (b, time_calls(|| sdk_call(&client, &id)).await)
            } else {
                let s = time_calls(|| sdk_call(&client, &id)).await;
                (time_calls(|| baseline_call(&http, &url)).await, s)
            };
            println!(
                "{round:>5} {:>14.2} {:>9.2} {:>13.3} {:>14.2} {:>8.2} {:>13.3}",
                b.wall,
                s.wall,
                s.wall / b.wall,
                b.cpu,
                s.cpu,
                s.cpu / b.cpu
            );
            walls.push(s.wall / b.wall);
            cpus.push(s.cpu / b.cpu);
        }
        println!(
            "median ratio sdk/baseline: wall {:.3}, client cpu {:.3}",
            tests::median(&mut walls),
            tests::median(&mut cpus)
        );
    });
}
