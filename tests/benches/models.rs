//! Benchmark: what keeping unknown JSON members costs when reading a 10,000-action page.
//!
//! Run with `cargo bench -p tests --bench models`. Four readers of the same page, measured
//! interleaved in one run and reported as ratios to the baseline:
//!
//! - `baseline`: a plain `#[derive(Deserialize)]` of the same fields (drops unknown members);
//! - `generated`: the generated models, which keep unknown members and wire aliases;
//! - `flatten`: the derive plus a `#[serde(flatten)]` map for unknown members, the usual
//!   alternative, which buffers every member before sorting known from unknown;
//! - `same-size`: the plain derive with two words per struct that it fills with zeros, as large
//!   as the generated models (which spend those words on unknown members and wire details), so
//!   that the code's share of a difference can be told from the size's.

#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use mde_machine_actions::Timestamp;
use mde_machine_actions::models::{
    MachineActionCollection, MachineActionId, MachineActionStatus, MachineActionType, MachineId,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

const ACTIONS: usize = 10_000;
const ROUNDS: usize = 15;
/// Fresh processes per reader: one sample each, so more of them than warm rounds.
const PROCESSES: usize = 31;

/// A derive reader's structs: the page's fields, and the members in braces added to each struct.
macro_rules! machine_action {
    ($name:ident, $command:ident, $file:ident, $param:ident, $cmd:ident { $($tail:tt)* }) => {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $name {
            id: MachineActionId,
            r#type: MachineActionType,
            scope: Option<String>,
            requestor: Option<String>,
            #[serde(rename = "externalId", alias = "externalID")]
            external_id: Option<String>,
            #[serde(rename = "requestSource")]
            request_source: Option<String>,
            commands: Option<Vec<$command>>,
            #[serde(rename = "cancellationRequestor")]
            cancellation_requestor: Option<String>,
            #[serde(rename = "requestorComment")]
            requestor_comment: Option<String>,
            #[serde(rename = "cancellationComment")]
            cancellation_comment: Option<String>,
            status: MachineActionStatus,
            #[serde(rename = "machineId")]
            machine_id: Option<MachineId>,
            #[serde(rename = "computerDnsName")]
            computer_dns_name: Option<String>,
            #[serde(rename = "creationDateTimeUtc")]
            creation_date_time_utc: Timestamp,
            #[serde(rename = "cancellationDateTimeUtc")]
            cancellation_date_time_utc: Option<Timestamp>,
            #[serde(rename = "lastUpdateDateTimeUtc", alias = "lastUpdateTimeUtc")]
            last_update_date_time_utc: Option<Timestamp>,
            title: Option<String>,
            #[serde(rename = "relatedFileInfo")]
            related_file_info: Option<$file>,
            #[serde(rename = "errorHResult")]
            error_h_result: Option<i32>,
            #[serde(rename = "troubleshootInfo")]
            troubleshoot_info: Option<Value>,
            $($tail)*
        }

        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $command {
            index: Option<i32>,
            #[serde(rename = "startTime")]
            start_time: Option<Timestamp>,
            #[serde(rename = "endTime")]
            end_time: Option<Timestamp>,
            #[serde(rename = "commandStatus")]
            command_status: mde_machine_actions::models::CommandStatus,
            errors: Option<Vec<Value>>,
            command: $cmd,
            $($tail)*
        }

        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $cmd {
            r#type: mde_machine_actions::models::LiveResponseCommandType,
            params: Option<Vec<$param>>,
            $($tail)*
        }

        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $param {
            key: String,
            value: String,
            $($tail)*
        }

        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct $file {
            #[serde(rename = "fileIdentifier")]
            file_identifier: String,
            #[serde(rename = "fileIdentifierType")]
            file_identifier_type: mde_machine_actions::models::FileIdentifierType,
            $($tail)*
        }
    };
}

machine_action!(PlainAction, PlainCommandEntry, PlainFile, PlainParam, PlainCommand {});
machine_action!(FlatAction, FlatCommandEntry, FlatFile, FlatParam, FlatCommand {
    #[serde(flatten)]
    extra: Map<String, Value>,
});
machine_action!(
    SizedAction,
    SizedCommandEntry,
    SizedFile,
    SizedParam,
    SizedCommand {
        #[serde(skip)]
        bookkeeping: [u64; 2],
    }
);

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainPage {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    value: Vec<PlainAction>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct SizedPage {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    value: Vec<SizedAction>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct FlatPage {
    #[serde(rename = "@odata.context")]
    context: Option<String>,
    value: Vec<FlatAction>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// A page in the shape the service sends today: the full field set, every tenth action a
/// live response with two commands, every seventh with a related file.
fn page() -> String {
    let actions: Vec<Value> = (0..ACTIONS).map(action).collect();
    serde_json::json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#MachineActions",
        "value": actions,
    })
    .to_string()
}

fn action(i: usize) -> Value {
    let live = i.is_multiple_of(10);
    let commands: Vec<Value> = if live {
        (0..2)
            .map(|index| {
                serde_json::json!({
                    "index": index, "startTime": "2024-05-01T10:00:01.92Z",
                    "endTime": "2024-05-01T10:00:04.693Z", "commandStatus": "Completed",
                    "errors": [], "command": {"type": "RunScript",
                    "params": [{"key": "ScriptName", "value": "collect.ps1"}]}
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let file = i.is_multiple_of(7).then(
        || serde_json::json!({"fileIdentifier": format!("{i:040x}"), "fileIdentifierType": "Sha1"}),
    );
    serde_json::json!({
        "id": format!("6b0010{i:02}-5500-4205-8287-6f1184936f67"),
        "type": if live { "LiveResponse" } else { "Isolate" },
        "title": null, "requestor": "automation@contoso.example",
        "requestorComment": "contain host after alert", "status": "Succeeded",
        "machineId": format!("{i:040x}"), "computerDnsName": format!("host-{i}"),
        "creationDateTimeUtc": "2024-05-01T10:00:00.3308187Z",
        "lastUpdateDateTimeUtc": "2024-05-01T10:02:00.330819Z",
        "cancellationRequestor": null, "cancellationComment": null,
        "cancellationDateTimeUtc": null, "errorHResult": 0, "scope": null,
        "externalId": null, "requestSource": "PublicApi", "relatedFileInfo": file,
        "commands": commands, "troubleshootInfo": null,
    })
}

/// Decodes `text` as `T` and drops the result: how long that took.
fn timed_decode<T: DeserializeOwned>(text: &str) -> Duration {
    let start = Instant::now();
    drop(black_box(serde_json::from_str::<T>(black_box(text)).expect("the page parses")));
    start.elapsed()
}

/// Decodes the page at `path` once with `reader`, in this (fresh) process; prints the time in ns.
fn fresh_sample(reader: &str, path: &str) {
    let text = std::fs::read_to_string(path).expect("the page");
    let elapsed = match reader {
        "baseline" => timed_decode::<PlainPage>(&text),
        "same-size" => timed_decode::<SizedPage>(&text),
        _ => timed_decode::<MachineActionCollection>(&text),
    };
    println!("{}", elapsed.as_nanos());
}

/// The first page a process reads: each sample a fresh process that reads the page from a file
/// and decodes it once; the readers take turns going first, round by round.
fn fresh(text: &str) {
    const READERS: [&str; 3] = ["baseline", "generated", "same-size"];
    let path = std::env::temp_dir().join(format!("mde-models-bench-{}.json", std::process::id()));
    std::fs::write(&path, text).expect("the page file");
    let exe = std::env::current_exe().expect("this benchmark");
    let run = |reader: &str| {
        let out = std::process::Command::new(&exe)
            .args(["--sample", reader, path.to_str().expect("a UTF-8 path")])
            .output()
            .expect("a sample process");
        let ns: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().expect("a time");
        Duration::from_nanos(ns)
    };
    let mut times: [Vec<Duration>; 3] = Default::default();
    let (mut to_baseline, mut to_same_size) = (Vec::new(), Vec::new());
    for round in 0..PROCESSES {
        let mut this_round = [Duration::ZERO; 3];
        for turn in 0..READERS.len() {
            let reader = (round + turn) % READERS.len();
            this_round[reader] = run(READERS[reader]);
        }
        let [baseline, generated, same_size] = this_round.map(|time| time.as_secs_f64());
        to_baseline.push(generated / baseline);
        to_same_size.push(generated / same_size);
        for (samples, time) in times.iter_mut().zip(this_round) {
            samples.push(time);
        }
    }
    let _ = std::fs::remove_file(&path);
    let [baseline, generated, same_size] = times.map(|mut samples| tests::median(&mut samples));
    println!(
        "first page of a fresh process, median of {PROCESSES} processes each: baseline {:.2} ms, \
         generated {:.2} ms, same-size {:.2} ms",
        baseline.as_secs_f64() * 1e3,
        generated.as_secs_f64() * 1e3,
        same_size.as_secs_f64() * 1e3,
    );
    println!(
        "generated/baseline {:.3}, generated/same-size {:.3} (medians of the per-round ratios)",
        tests::median(&mut to_baseline),
        tests::median(&mut to_same_size),
    );
    println!(
        "sizes: MachineAction {} bytes, the plain derive's {} bytes, the same-size derive's {} bytes",
        std::mem::size_of::<mde_machine_actions::models::MachineAction>(),
        std::mem::size_of::<PlainAction>(),
        std::mem::size_of::<SizedAction>(),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, reader, path] = args.as_slice()
        && flag == "--sample"
    {
        return fresh_sample(reader, path);
    }
    // The page as a file, for a profiler to run `--sample` on.
    if let [_, flag, path] = args.as_slice()
        && flag == "--write-page"
    {
        return std::fs::write(path, page()).expect("the page file");
    }
    let text = page();
    let mut baseline = Vec::new();
    let mut generated = Vec::new();
    let mut flatten = Vec::new();
    let mut same_size = Vec::new();
    for _ in 0..ROUNDS {
        baseline.push(timed_decode::<PlainPage>(&text));
        generated.push(timed_decode::<MachineActionCollection>(&text));
        flatten.push(timed_decode::<FlatPage>(&text));
        same_size.push(timed_decode::<SizedPage>(&text));
    }
    let base = tests::median(&mut baseline);
    let report = |name: &str, samples: &mut Vec<Duration>| {
        let m = tests::median(samples);
        println!(
            "{name:<10} {:>9.2} ms  {:.2}x baseline",
            m.as_secs_f64() * 1e3,
            m.as_secs_f64() / base.as_secs_f64()
        );
    };
    println!(
        "deserialize one page of {ACTIONS} actions ({} bytes), median of {ROUNDS} rounds:",
        text.len()
    );
    report("baseline", &mut baseline);
    report("generated", &mut generated);
    report("flatten", &mut flatten);
    report("same-size", &mut same_size);
    fresh(&text);
}
