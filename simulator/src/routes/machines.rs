//! The read-only Machine lookups:
//!
//! - `listMachines`, `GET /api/machines`: every device, in the order they were added,
//!   filtered with `$filter` (see [`crate::odata`]), paged with `$top` (at most 10,000) and
//!   `$skip`, split into server pages with `@odata.nextLink`; 404 when the tenant has no
//!   device at all, as documented ("if there are no recent machines"), while a filter that
//!   matches none answers an empty `value`;
//! - `getMachine`, `GET /api/machines/{id}`: one device by its id (any case), or 404
//!   `ResourceNotFound` (`Machine {id} was not found`);
//! - `findMachinesByIp`, `GET /api/machines/findbyip(ip='{ip}',timestamp={timestamp})`: the
//!   devices that had the address (`lastIpAddress` or an entry of `ipAddresses`) within 15
//!   minutes of the timestamp. A device has its addresses from its first report to its last
//!   one, or to now while it is `Active`. The timestamp (RFC 3339) must lie in the past 30
//!   days; a malformed one, a malformed address or one outside the 30 days is a 400;
//! - `findMachinesByTag`, `GET /api/machines/findbytag?tag=...&useStartsWithFilter=...`: the
//!   devices with the tag, or with a tag that starts with it when `useStartsWithFilter` is
//!   `true`. The comparison ignores case (tags are matched as the portal does, where a tag
//!   differing only in case is the same tag); `tag` is required and non-empty, as the spec
//!   says (400 `MissingRequiredParameter`; a tag of white space is a tag no device has);
//!   `useStartsWithFilter` must be `true` or `false` (any case; default `false`).
//!
//! A collection is `{"@odata.context": "<base>/api/$metadata#Machines", "value": [...]}`; one
//! device carries `"@odata.context": "<base>/api/$metadata#Machines/$entity"` (as the service
//! answers; the docs' example shows `#Machine`). Each device has every documented property,
//! in the order the service was recorded writing them.

use std::borrow::Cow;
use std::net::IpAddr;
use std::time::Duration;

use mde_machine_actions::models::ErrorCode;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::listing::{next_link, options};
use super::{Ctx, Params};
use crate::clock::timestamp;
use crate::machine::{HealthStatus, Machine};
use crate::odata::{self, Subject, Value};
use crate::reply::{ApiFailure, Json};

/// How far from the timestamp of `findbyip` a device's address counts: 15 minutes either way.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// How far back `findbyip` looks: 30 days.
const LOOKBACK: Duration = Duration::from_secs(30 * 24 * 3600);

/// `ago` before `epoch`.
fn before(epoch: OffsetDateTime, ago: Duration) -> OffsetDateTime {
    epoch.saturating_sub(time::Duration::try_from(ago).unwrap_or(time::Duration::MAX))
}

/// A device as filters see it; times count back from `epoch`, the simulator's time zero.
struct MachineSubject<'a> {
    machine: &'a Machine,
    epoch: OffsetDateTime,
}

impl Subject for MachineSubject<'_> {
    fn value(&self, field: &str) -> Value<'_> {
        let machine = self.machine;
        let text = match field {
            "computerDnsName" => machine.computer_dns_name.as_str(),
            "id" => machine.id.as_str(),
            "version" => machine.version.as_str(),
            "deviceValue" => machine.device_value.as_str(),
            "aadDeviceId" => return Value::Text(machine.aad_device_id.as_deref().map(Cow::from)),
            "machineTags" => return Value::List(&machine.machine_tags),
            "lastSeen" => {
                return Value::Date(Some(before(self.epoch, machine.last_seen_ago)));
            }
            "exposureLevel" => machine.exposure_level.as_str(),
            "onboardingStatus" => ONBOARDED,
            "lastIpAddress" => {
                return Value::Text(Some(Cow::Owned(machine.last_ip_address.to_string())));
            }
            "healthStatus" => machine.health_status.as_str(),
            "osPlatform" => machine.os_platform.as_str(),
            "riskScore" => machine.risk_score.as_str(),
            "rbacGroupId" => return Value::Number(Some(i64::from(machine.rbac_group_id))),
            _ => return Value::Text(None),
        };
        Value::Text(Some(Cow::Borrowed(text)))
    }
}

/// `onboardingStatus` of every device, as the service spells it.
const ONBOARDED: &str = "Onboarded";

fn text(value: &str) -> Json {
    Json::from(value)
}

fn time_text(at: OffsetDateTime) -> Json {
    text(timestamp(at, false).as_str())
}

/// A device as the service writes it: every documented property (and `isAadJoined`), in the
/// recorded order.
pub(crate) fn machine_json(machine: &Machine, epoch: OffsetDateTime) -> Json {
    let optional = |value: Option<&str>| value.map_or_else(Json::null, text);
    let addresses = machine
        .ip_addresses
        .iter()
        .map(|entry| {
            Json::object([
                ("ipAddress", text(&entry.address.to_string())),
                ("macAddress", text(&entry.mac_address)),
                ("operationalStatus", text(entry.operational_status())),
            ])
        })
        .collect();
    Json::object([
        ("id", text(machine.id.as_str())),
        ("computerDnsName", text(&machine.computer_dns_name)),
        ("firstSeen", time_text(before(epoch, machine.first_seen_ago))),
        ("lastSeen", time_text(before(epoch, machine.last_seen_ago))),
        ("osPlatform", text(machine.os_platform.as_str())),
        ("osProcessor", text("x64")),
        ("version", text(&machine.version)),
        ("lastIpAddress", text(&machine.last_ip_address.to_string())),
        ("lastExternalIpAddress", text(&machine.last_external_ip_address.to_string())),
        ("osBuild", Json::from(json!(machine.os_build))),
        ("healthStatus", text(machine.health_status.as_str())),
        ("deviceValue", text(&machine.device_value)),
        ("rbacGroupId", Json::from(json!(machine.rbac_group_id))),
        ("rbacGroupName", optional(machine.rbac_group_name.as_deref())),
        ("riskScore", text(&machine.risk_score)),
        ("exposureLevel", text(&machine.exposure_level)),
        ("isAadJoined", Json::from(json!(machine.is_aad_joined()))),
        ("aadDeviceId", optional(machine.aad_device_id.as_deref())),
        ("machineTags", Json::Array(machine.machine_tags.iter().map(|tag| text(tag)).collect())),
        ("onboardingStatus", text(ONBOARDED)),
        ("osArchitecture", text("64-bit")),
        ("ipAddresses", Json::Array(addresses)),
    ])
}

/// `{"@odata.context": ..., "value": [...]}`, then the next link if there is one.
fn collection(ctx: &Ctx<'_>, items: Vec<Json>, next: Option<String>) -> Json {
    let context = format!("{}/api/$metadata#Machines", ctx.app.base_url);
    let mut members = vec![("@odata.context", text(&context)), ("value", Json::Array(items))];
    if let Some(next) = next {
        members.push(("@odata.nextLink", text(&next)));
    }
    Json::object(members)
}

/// The simulator's time zero, from which device times count back.
fn epoch(ctx: &Ctx<'_>) -> OffsetDateTime {
    ctx.app.clock.wall_at(Duration::ZERO)
}

/// The handler of `listMachines`.
pub(crate) fn list(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let options = options(&ctx.req.query, &odata::MACHINE)?;
    let epoch = epoch(ctx);
    let state = ctx.app.state();
    if state.machines().is_empty() {
        return Err(ApiFailure::not_found("No machines were found"));
    }
    let matching: Vec<&Machine> = state
        .machines()
        .iter()
        .filter(|machine| {
            let subject = MachineSubject { machine, epoch };
            options.filter.as_ref().is_none_or(|(_, expr)| expr.matches(&subject))
        })
        .collect();
    let page = options.page(matching.len(), ctx.app.config.page_size);
    let items = matching[page.start..page.start + page.len]
        .iter()
        .map(|machine| machine_json(machine, epoch))
        .collect();
    drop(state);
    Ok(collection(ctx, items, next_link(ctx, "/api/machines", &page)))
}

/// The handler of `getMachine`.
pub(crate) fn get(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let id = super::id(params);
    let epoch = epoch(ctx);
    let state = ctx.app.state();
    let machine = state
        .machine(id)
        .ok_or_else(|| ApiFailure::not_found(format!("Machine {id} was not found")))?;
    let mut json = machine_json(machine, epoch);
    if let Json::Object(members) = &mut json {
        let context = format!("{}/api/$metadata#Machines/$entity", ctx.app.base_url);
        members.insert(0, ("@odata.context".to_owned(), text(&context)));
    }
    Ok(json)
}

/// The handler of `findMachinesByIp`.
pub(crate) fn find_by_ip(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let form = "findbyip(ip='<address>',timestamp=<UTC date and time>)";
    let missing = |name: &str| {
        ApiFailure::bad_request(
            ErrorCode::MissingRequiredParameter,
            format!("Parameter {name} is missing or malformed: expected {form}"),
        )
    };
    let address = params.get("ip").ok_or_else(|| missing("ip"))?;
    let ip: IpAddr = address.trim().parse().map_err(|_| {
        ApiFailure::bad_request(
            ErrorCode::InvalidIpAddress,
            format!("Invalid IP address '{address}'"),
        )
    })?;
    let written = params.get("timestamp").ok_or_else(|| missing("timestamp"))?;
    let at = OffsetDateTime::parse(written.trim(), &Rfc3339).map_err(|_| {
        ApiFailure::invalid_input(format!(
            "timestamp '{written}': expected a date and time such as 2024-05-01T08:44:05Z"
        ))
    })?;
    let now = ctx.app.clock.wall();
    if at > now || at < before(now, LOOKBACK) {
        return Err(ApiFailure::invalid_input(format!(
            "timestamp '{written}': the timestamp must be within the past 30 days"
        )));
    }
    let (from, to) = (before(at, WINDOW), at.saturating_add(time::Duration::minutes(15)));
    let epoch = epoch(ctx);
    let state = ctx.app.state();
    let items = state
        .machines()
        .iter()
        .filter(|machine| {
            let first = before(epoch, machine.first_seen_ago);
            let last = if machine.health_status == HealthStatus::Active {
                now
            } else {
                before(epoch, machine.last_seen_ago)
            };
            first <= to && from <= last && machine.addresses().any(|known| known == ip)
        })
        .map(|machine| machine_json(machine, epoch))
        .collect();
    drop(state);
    Ok(collection(ctx, items, None))
}

/// The handler of `findMachinesByTag`.
pub(crate) fn find_by_tag(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let parameter = |name: &str| {
        ctx.req.query.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    };
    let tag = parameter("tag")
        .filter(|tag| !tag.is_empty())
        .ok_or_else(|| ApiFailure::missing("tag"))?
        .to_lowercase();
    let starts_with = match parameter("useStartsWithFilter") {
        None => false,
        Some(value) if value.eq_ignore_ascii_case("true") => true,
        Some(value) if value.eq_ignore_ascii_case("false") => false,
        Some(value) => {
            return Err(ApiFailure::invalid_input(format!(
                "useStartsWithFilter '{value}': expected true or false"
            )));
        }
    };
    let matches = |known: &String| {
        let known = known.to_lowercase();
        if starts_with { known.starts_with(&tag) } else { known == tag }
    };
    let epoch = epoch(ctx);
    let state = ctx.app.state();
    let items = state
        .machines()
        .iter()
        .filter(|machine| machine.machine_tags.iter().any(matches))
        .map(|machine| machine_json(machine, epoch))
        .collect();
    drop(state);
    Ok(collection(ctx, items, None))
}
