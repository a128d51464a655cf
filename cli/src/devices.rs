//! Device inputs: the arguments, a file (one per line, `#` comments) and standard input (`-`),
//! in that order, blank lines and duplicates dropped; and the table of what they resolved to.

use std::io::Read as _;

use mde_machine_actions::resolve::Resolution;
use serde_json::{Value, json};

use crate::api_support::Failure;
use crate::args::DeviceInputs;

/// Every input, in order, without duplicates.
pub fn read(inputs: &DeviceInputs) -> Result<Vec<String>, Failure> {
    let mut out: Vec<String> = Vec::new();
    let mut stdin_read = false;
    let add = |line: &str, out: &mut Vec<String>| {
        let line = line.split('#').next().unwrap_or_default().trim();
        if !line.is_empty() && !out.iter().any(|seen| seen == line) {
            out.push(line.to_owned());
        }
    };
    let mut read_stdin = |out: &mut Vec<String>| -> Result<(), Failure> {
        if std::mem::replace(&mut stdin_read, true) {
            return Ok(());
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("standard input: {e}")))?;
        text.lines().for_each(|line| add(line, out));
        Ok(())
    };
    for device in &inputs.devices {
        if device == "-" {
            read_stdin(&mut out)?;
        } else {
            add(device, &mut out);
        }
    }
    if let Some(path) = &inputs.file {
        if path.as_os_str() == "-" {
            read_stdin(&mut out)?;
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("--file {}: {e}", path.display())))?;
            text.lines().for_each(|line| add(line, &mut out));
        }
    }
    if out.is_empty() {
        return Err(Failure::Usage(
            "no devices: give ids, host names, IP addresses or tag:NAME, or --file".to_owned(),
        ));
    }
    Ok(out)
}

/// The columns of [`rows`].
pub const COLUMNS: &[&str] =
    &["input", "outcome", "id", "computerDnsName", "healthStatus", "detail"];

/// One row per resolved device, ambiguous input and unknown input.
pub fn rows(resolution: &Resolution) -> Vec<Value> {
    let mut rows = Vec::new();
    for found in &resolution.resolved {
        let detail = if found.set_aside.is_empty() {
            String::new()
        } else {
            let ids: Vec<&str> = found.set_aside.iter().map(|m| m.id.as_str()).collect();
            format!("inactive duplicates set aside: {}", ids.join(", "))
        };
        rows.push(json!({
            "input": found.input,
            "outcome": "resolved",
            "id": found.device.id.as_str(),
            "computerDnsName": found.device.computer_dns_name,
            "healthStatus": found.device.health_status,
            "detail": detail,
        }));
    }
    for ambiguous in &resolution.ambiguous {
        let candidates: Vec<String> = ambiguous
            .candidates
            .iter()
            .map(|m| {
                let health = m.health_status.as_ref().map(ToString::to_string).unwrap_or_default();
                format!("{} ({health})", m.id)
            })
            .collect();
        rows.push(json!({
            "input": ambiguous.input,
            "outcome": "ambiguous",
            "detail": format!("matches {}: {}", candidates.len(), candidates.join(", ")),
        }));
    }
    for unresolved in &resolution.unresolved {
        let detail = match &unresolved.error {
            None => "no such device".to_owned(),
            Some(error) => format!("lookup failed: {error}"),
        };
        rows.push(json!({ "input": unresolved.input, "outcome": "unresolved", "detail": detail }));
    }
    rows
}
