//! The command line of the `mde-simulator` binary (not part of the library): its flags, its
//! `--help`, and the JSON configuration file of `--config` ([`file`]), read into the
//! [`Config`] the simulator starts with.

pub(crate) mod file;

use std::time::Duration;

use mde_simulator::{Config, FaultPhase, FaultRule, Route};

use file::{MAX_PAGE_SIZE, Settings};

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    /// Print [`usage`] and exit.
    Help,
    /// Start the simulator.
    Run(Box<Options>),
}

/// How to run the simulator.
#[derive(Debug)]
pub(crate) struct Options {
    /// The port to listen on exactly; `None`: 7480, or a free one if it is taken.
    pub port: Option<u16>,
    /// Do not log requests.
    pub quiet: bool,
    pub config: Config,
}

/// The `--help` text.
pub(crate) fn usage() -> String {
    format!(
        "\
usage: mde-simulator [OPTIONS]

Serves the MDE MachineAction API and the read-only Machine lookups on 127.0.0.1 until
Ctrl-C, and prints its base URL, a test token and its devices (with their IPs and tags).

Machine routes: GET /api/machines ($filter, $top, $skip), GET /api/machines/{{id}},
GET /api/machines/findbyip(ip='IP',timestamp=UTC-TIME) and
GET /api/machines/findbytag?tag=TAG&useStartsWithFilter=true|false. Every device has the
documented Machine properties (FQDN, OS, first/last seen, IPs and MACs, health, device group,
risk, exposure, value, Entra ID, tags), drawn from its id.

Options:
  --port N              port on 127.0.0.1 (default 7480, or a free one if it is taken;
                        0: a free one)
  --seed S              seed of every random choice: device ids, action ids, the token,
                        drawn outcomes and faults (default 1)
  --machines N          number of generated devices (default 6, or 0 when devices are
                        given with --machine or in the config file); each has one or two
                        of the tags below, a 10.x.y.z address no other device has, and a
                        health that is mostly Active, sometimes Inactive
  --no-ambiguous-devices
                        no ambiguous host names in the generated fleet (by default a
                        fleet of {ambiguous} or more holds a re-imaged device's Inactive old
                        record under the same name, and two Active devices with the same
                        host name in contoso.local and fabrikam.local)
  --machine ID[,DNS[,PLATFORM]]
                        add a device (repeatable); DNS defaults to a generated host name,
                        PLATFORM to Windows11; `ID,,Linux` gives only the platform; its IP,
                        tags and health can be set in the config file
  --page-size N         largest listing page before @odata.nextLink (1 to {MAX_PAGE_SIZE};
                        default {MAX_PAGE_SIZE}, as the service)
  --fault ROUTE:KIND[:RATE]
                        inject a fault on a route (repeatable; RATE is the probability per
                        request, 0 to 1, default 1)
  --config FILE         read settings from a JSON file (see the README, and
                        simulator/examples/config.json); the flags above override
                        it (--machine and --fault add to it)
  --quiet               do not log requests
  -h, --help            print this help

Platforms (any case):
{platforms}

Tags of generated devices:
{tags}

Fault kinds:
  error                 answer 500 before the request is processed (nothing happened)
  error-after           answer 500 after it was processed (the action exists)
  drop                  close the connection before processing
  drop-after            close the connection after processing
  truncate              cut the JSON body in half
  malformed             send a body that is not JSON
  unknown-enum          send statuses the SDK does not know (Queued, Running, Scheduled,
                        healthStatus Reporting)
  unknown-field         add an unknown member to every JSON object
  stuck-next-link       make @odata.nextLink repeat the page just served (no RATE)
  latency:MS            delay every answer by MS milliseconds

Routes (any case; `*` is every API route):
{routes}

Example:
  mde-simulator --machine 1e5bc9d7e4,web-01.contoso.local,WindowsServer2022 \\
      --machine 7d4b1a3c2f,,Linux --page-size 2 --fault getMachineAction:error:0.2",
        platforms = wrap(&file::platform_names()),
        tags = wrap(&mde_simulator::machine::TAGS.join(", ")),
        ambiguous = mde_simulator::machine::AMBIGUOUS_FLEET_MIN,
        routes = wrap(&format!("*, {}", file::route_names())),
    )
}

/// `list` (words separated by `, `) in indented lines of at most 92 characters.
fn wrap(list: &str) -> String {
    let mut lines = vec![String::from(" ")];
    for word in list.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if line.len() + 1 + word.len() > 92 && line.len() > 1 {
            lines.push(format!("  {word}"));
        } else {
            line.push(' ');
            line.push_str(word);
        }
    }
    lines.join("\n")
}

/// Reads the command line `args` (without the program name); `read` reads the file of
/// `--config`. The error says what is wrong.
pub(crate) fn parse(
    args: impl IntoIterator<Item = String>,
    read: impl FnOnce(&str) -> std::io::Result<String>,
) -> Result<Command, String> {
    let mut flags = Vec::new();
    let mut input = args.into_iter();
    while let Some(arg) = input.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name.to_owned(), Some(value)),
            _ => (arg.clone(), None),
        };
        let takes = match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--quiet" | "--no-ambiguous-devices" => None,
            "--port" => Some("a port number"),
            "--seed" | "--machines" | "--page-size" => Some("a number"),
            "--machine" => Some("ID[,DNS[,PLATFORM]]"),
            "--fault" => Some("ROUTE:KIND[:RATE]"),
            "--config" => Some("a file name"),
            other => return Err(format!("unknown argument `{other}`")),
        };
        let value = match takes {
            None if inline.is_some() => return Err(format!("{name} takes no value")),
            None => String::new(),
            Some(what) => match inline {
                Some(value) => value.to_owned(),
                None => input.next().ok_or_else(|| format!("{name} needs {what}"))?,
            },
        };
        flags.push((name, value));
    }

    // The file first, whatever its place: the flags override it.
    let mut files = flags.iter().filter(|(name, _)| name == "--config").map(|(_, v)| v);
    let mut settings = match (files.next(), files.next()) {
        (Some(_), Some(_)) => return Err("--config is given twice".to_owned()),
        (Some(path), None) => {
            let text = read(path).map_err(|error| format!("--config {path}: {error}"))?;
            Settings::parse(&text).map_err(|error| format!("--config {path}: {error}"))?
        }
        (None, _) => Settings::default(),
    };
    let mut quiet = false;
    for (name, value) in &flags {
        let number =
            || value.parse::<u64>().map_err(|_| format!("{name}: `{value}` is not a number"));
        match name.as_str() {
            "--quiet" => quiet = true,
            "--no-ambiguous-devices" => settings.ambiguous_devices = Some(false),
            "--port" => {
                settings.port = Some(
                    value.parse().map_err(|_| format!("--port: `{value}` is not a port number"))?,
                );
            }
            "--seed" => settings.seed = Some(number()?),
            "--machines" => {
                settings.machine_count = Some(
                    usize::try_from(number()?)
                        .map_err(|_| format!("--machines: `{value}` is too large"))?,
                );
            }
            "--page-size" => {
                let size = usize::try_from(number()?).unwrap_or(usize::MAX);
                settings.page_size =
                    Some(file::page_size(size).map_err(|e| format!("{name}: {e}"))?);
            }
            "--machine" => settings.machines.push(machine_spec(value)?),
            "--fault" => fault_spec(value, &mut settings.faults)?,
            _ => {}
        }
    }
    let port = settings.port;
    let config = settings.config()?;
    Ok(Command::Run(Box::new(Options { port, quiet, config })))
}

/// `ID[,DNS[,PLATFORM]]`.
fn machine_spec(spec: &str) -> Result<mde_simulator::Machine, String> {
    let parts: Vec<&str> = spec.split(',').collect();
    if parts.len() > 3 {
        return Err(format!("--machine `{spec}`: expected ID[,DNS[,PLATFORM]]"));
    }
    file::machine(parts[0], parts.get(1).copied(), parts.get(2).copied())
        .map_err(|error| format!("--machine `{spec}`: {error}"))
}

/// `ROUTE:KIND[:RATE]`, added to the rules of the route (or routes, for `*`).
fn fault_spec(
    spec: &str,
    faults: &mut std::collections::BTreeMap<Route, FaultRule>,
) -> Result<(), String> {
    let fail = |why: String| format!("--fault `{spec}`: {why}");
    let parts: Vec<&str> = spec.split(':').collect();
    let (route, kind, value) = match parts[..] {
        [route, kind] => (route, kind, None),
        [route, kind, value] => (route, kind, Some(value)),
        _ => return Err(fail("expected ROUTE:KIND[:RATE]".to_owned())),
    };
    let routes = file::routes(route).map_err(fail)?;
    let probability = || match value {
        None => Ok(1.0),
        Some(text) => {
            let number: f64 = text.parse().map_err(|_| fail(format!("`{text}` is not a rate")))?;
            file::rate("RATE", number).map_err(fail)
        }
    };
    let change: Box<dyn Fn(FaultRule) -> FaultRule> = match kind.to_ascii_lowercase().as_str() {
        "error" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_errors(rate, FaultPhase::BeforeProcessing))
        }
        "error-after" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_errors(rate, FaultPhase::AfterProcessing))
        }
        "drop" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_drops(rate, FaultPhase::BeforeProcessing))
        }
        "drop-after" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_drops(rate, FaultPhase::AfterProcessing))
        }
        "truncate" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_truncation(rate))
        }
        "malformed" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_malformed_json(rate))
        }
        "unknown-enum" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_unknown_enum_values(rate))
        }
        "unknown-field" => {
            let rate = probability()?;
            Box::new(move |rule| rule.with_unknown_fields(rate))
        }
        "stuck-next-link" => {
            if value.is_some() {
                return Err(fail("stuck-next-link takes no RATE".to_owned()));
            }
            Box::new(FaultRule::with_non_advancing_next_links)
        }
        "latency" => {
            let text =
                value.ok_or_else(|| fail("latency needs milliseconds: latency:MS".into()))?;
            let ms: u64 = text
                .parse()
                .map_err(|_| fail(format!("`{text}` is not a number of milliseconds")))?;
            Box::new(move |rule| rule.with_latency(Duration::from_millis(ms)))
        }
        other => {
            return Err(fail(format!(
                "unknown fault kind `{other}` (known: error, error-after, drop, drop-after, \
                 truncate, malformed, unknown-enum, unknown-field, stuck-next-link, latency)"
            )));
        }
    };
    for route in routes {
        let rule = faults.remove(&route).unwrap_or_default();
        faults.insert(route, change(rule));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use mde_machine_actions::operations;
    use mde_simulator::{Machine, OsPlatform};

    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        run_with(args, "")
    }

    /// Parses `args` as if `--config` named a file holding `file`.
    fn run_with(args: &[&str], file: &str) -> Result<Options, String> {
        let file = file.to_owned();
        match parse(args.iter().map(|a| (*a).to_owned()), move |_| Ok(file))? {
            Command::Run(options) => Ok(*options),
            Command::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn no_arguments_keep_the_defaults() {
        let options = run(&[]).expect("defaults");
        assert_eq!((options.port, options.quiet), (None, false));
        let (config, defaults) = (options.config, Config::default());
        assert_eq!((config.seed, config.machine_count), (1, 6));
        assert!(config.machines.is_empty() && config.platforms.is_empty());
        assert_eq!(config.page_size, defaults.page_size);
        assert_eq!(config.timings, defaults.timings);
        assert_eq!(config.outcomes, defaults.outcomes);
        assert!(config.faults.is_empty());
        assert!(config.rate_limits);
    }

    #[test]
    fn flags() {
        let options = run(&[
            "--port",
            "0",
            "--seed=9",
            "--machines",
            "3",
            "--quiet",
            "--page-size",
            "2",
            "--machine",
            "ABC123,web-01.contoso.local,windowsserver2022",
            "--machine=def456,,macOS",
            "--machine",
            "abcdef",
            "--no-ambiguous-devices",
        ])
        .expect("parses");
        assert_eq!((options.port, options.quiet), (Some(0), true));
        let config = options.config;
        assert_eq!((config.seed, config.machine_count, config.page_size), (9, 3, 2));
        assert!(!config.ambiguous_devices);
        assert!(run(&[]).expect("parses").config.ambiguous_devices, "on by default");
        assert_eq!(
            config.machines,
            [
                Machine::new("ABC123", "web-01.contoso.local", OsPlatform::WindowsServer2022),
                Machine::new("def456", "macbook-def456.contoso.local", OsPlatform::MacOs),
                Machine::new("abcdef", "desktop-abcdef.contoso.local", OsPlatform::Windows11),
            ]
        );
        // Devices given one by one replace the generated ones, unless --machines asks for both.
        let config = run(&["--machine", "abc"]).expect("parses").config;
        assert_eq!((config.machine_count, config.machines.len()), (0, 1));
        assert!(matches!(
            parse(["-h".to_owned(), "--bogus".to_owned()], |_| unreachable()),
            Ok(Command::Help)
        ));
        assert!(matches!(parse(["--help".to_owned()], |_| unreachable()), Ok(Command::Help)));
        assert!(usage().contains("--machine ID[,DNS[,PLATFORM]]"));
        for name in [
            "Windows11",
            "WindowsServer2019",
            "macOS",
            "getPackageUri",
            "stuck-next-link",
            "listMachines",
            "getMachine",
            "findMachinesByIp",
            "findMachinesByTag",
            "findbyip(ip=",
            "useStartsWithFilter",
            "--no-ambiguous-devices",
            "Prod-Web",
        ] {
            assert!(usage().contains(name), "{name} is listed in --help");
        }
    }

    fn unreachable() -> std::io::Result<String> {
        Err(std::io::Error::other("no file expected"))
    }

    #[test]
    fn faults() {
        let config = run(&[
            "--fault",
            "getMachineAction:error:0.2",
            "--fault=getMachineAction:latency:250",
            "--fault",
            "ISOLATEMACHINE:drop-after",
            "--fault",
            "listMachineActions:stuck-next-link",
            "--fault",
            "listMachineActions:unknown-field:0.5",
            "--fault",
            "*:unknown-enum:0.1",
            "--fault",
            "token:error-after:1",
            "--fault",
            "download:truncate:0",
            "--fault",
            "getPackageUri:malformed:1",
            "--fault",
            "cancelMachineAction:drop:0.3",
        ])
        .expect("parses")
        .config;
        let faults = &config.faults;
        assert_eq!(faults.len(), Route::all().count(), "every route has a rule");
        let enums = |rule: FaultRule| rule.with_unknown_enum_values(0.1);
        assert_eq!(
            faults[&Route::Api(&operations::GET_MACHINE_ACTION)],
            enums(
                FaultRule::new()
                    .with_errors(0.2, FaultPhase::BeforeProcessing)
                    .with_latency(Duration::from_millis(250))
            )
        );
        assert_eq!(
            faults[&Route::Api(&operations::ISOLATE_MACHINE)],
            enums(FaultRule::new().with_drops(1.0, FaultPhase::AfterProcessing))
        );
        assert_eq!(
            faults[&Route::Api(&operations::LIST_MACHINE_ACTIONS)],
            enums(FaultRule::new().with_non_advancing_next_links().with_unknown_fields(0.5))
        );
        assert_eq!(faults[&Route::Api(&operations::OFFBOARD_MACHINE)], enums(FaultRule::new()));
        assert_eq!(
            faults[&Route::Token],
            FaultRule::new().with_errors(1.0, FaultPhase::AfterProcessing),
            "`*` is the API routes only"
        );
        assert_eq!(faults[&Route::Download], FaultRule::new().with_truncation(0.0));
        assert_eq!(
            faults[&Route::Api(&operations::GET_PACKAGE_URI)],
            enums(FaultRule::new().with_malformed_json(1.0))
        );
        assert_eq!(
            faults[&Route::Api(&operations::CANCEL_MACHINE_ACTION)],
            enums(FaultRule::new().with_drops(0.3, FaultPhase::BeforeProcessing))
        );
    }

    #[test]
    fn the_config_file_comes_first_and_flags_override_it() {
        let file = r#"{
            "seed": 5,
            "machines": [{"id": "f1", "platform": "Linux"}],
            "pageSize": 3,
            "faults": {"isolateMachine": {"errorRate": 0.5, "errorStatus": 503}}
        }"#;
        let options = run_with(
            &[
                "--page-size",
                "4",
                "--machine",
                "c1",
                "--config",
                "settings.json",
                "--fault",
                "isolateMachine:latency:10",
            ],
            file,
        )
        .expect("parses");
        let config = options.config;
        assert_eq!((config.seed, config.page_size, config.machine_count), (5, 4, 0));
        let ids: Vec<_> = config.machines.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["f1", "c1"], "file devices, then flag devices");
        assert_eq!(
            config.faults[&Route::Api(&operations::ISOLATE_MACHINE)],
            FaultRule::new()
                .with_errors(0.5, FaultPhase::BeforeProcessing)
                .with_error_status(503)
                .with_latency(Duration::from_millis(10)),
            "a --fault adds to the file's rule"
        );
        let port = run_with(&["--config", "x.json"], r#"{"port": 9000}"#).expect("parses").port;
        assert_eq!(port, Some(9000));
        let port = run_with(&["--config", "x.json", "--port", "9001"], r#"{"port": 9000}"#);
        assert_eq!(port.expect("parses").port, Some(9001));
    }

    #[test]
    fn mistakes_are_named() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "unknown argument `--bogus`"),
            (&["extra"], "unknown argument `extra`"),
            (&["--port"], "--port needs a port number"),
            (&["--port", "65536"], "--port: `65536` is not a port number"),
            (&["--seed", "x"], "--seed: `x` is not a number"),
            (&["--machines", "-1"], "--machines: `-1` is not a number"),
            (&["--machines", "0"], "no devices"),
            (&["--quiet=yes"], "--quiet takes no value"),
            (&["--page-size", "0"], "--page-size: page size 0 is not between 1 and 10000"),
            (&["--page-size", "10001"], "not between 1 and 10000"),
            (&["--machine", ""], "--machine ``: a device needs an id"),
            (&["--machine", "a,b,Linux,x"], "expected ID[,DNS[,PLATFORM]]"),
            (&["--machine", "a,,Solaris"], "unknown platform `Solaris` (known: Windows11"),
            (&["--machine", "a/b"], "`/` is not allowed"),
            (&["--machine", "a", "--machine", "A,x"], "two devices have the id `A`"),
            (&["--fault", "isolateMachine"], "expected ROUTE:KIND[:RATE]"),
            (
                &["--fault", "isolate:error"],
                "unknown route `isolate` (known: *, listMachineActions",
            ),
            (&["--fault", "isolateMachine:boom"], "unknown fault kind `boom`"),
            (&["--fault", "isolateMachine:error:2"], "RATE: 2 is not a rate between 0 and 1"),
            (&["--fault", "isolateMachine:error:NaN"], "is not a rate"),
            (&["--fault", "isolateMachine:error:x"], "`x` is not a rate"),
            (&["--fault", "isolateMachine:latency"], "latency needs milliseconds"),
            (&["--fault", "isolateMachine:latency:1.5"], "`1.5` is not a number of milliseconds"),
            (&["--fault", "listMachineActions:stuck-next-link:1"], "takes no RATE"),
            (&["--fault", "a:b:c:d"], "expected ROUTE:KIND[:RATE]"),
            (&["--config", "a", "--config", "b"], "--config is given twice"),
        ];
        for (args, expected) in cases {
            let error = run(args).expect_err(&args.join(" "));
            assert!(error.contains(expected), "{args:?}: {error}");
        }
        let error = run_with(&["--config", "bad.json"], r#"{"pagesize": 2}"#).expect_err("typo");
        assert!(error.starts_with("--config bad.json: unknown field `pagesize`"), "{error}");
        let missing = parse(["--config".to_owned(), "nope.json".to_owned()], |_| {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory"))
        });
        let error = missing.expect_err("missing file");
        assert_eq!(error, "--config nope.json: No such file or directory");
    }
}
