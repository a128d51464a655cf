//! The read-only Machine lookups: `listMachines` (`$top`, `$skip`, server pages with
//! `@odata.nextLink`; `$filter` is refused, as the simulator evaluates filters on machine
//! actions only), `getMachine`, `findMachinesByIp` (the device's simulated last IP address,
//! timestamp within the past 30 days) and `findMachinesByTag` (simulated devices carry no
//! tags, so every tag finds none).

use mde_machine_actions::Timestamp;
use mde_machine_actions::models::{
    DeviceValue, ExposureLevel, HealthStatus, Machine as MachineModel, MachineCollection,
    OnboardingStatus, OsArchitecture, RiskScore,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Ctx, Params, id};
use crate::machine::Machine;
use crate::reply::{ApiFailure, Json};

/// Largest `$top` the service accepts.
const MAX_TOP: usize = 10_000;
/// How far back `findbyip` may look.
const FIND_BY_IP_WINDOW: time::Duration = time::Duration::days(30);

/// The simulated last IP address of the device at `index` of the fleet: `10.0.x.y`.
pub(crate) fn simulated_ip(index: usize) -> String {
    format!("10.0.{}.{}", index / 250, index % 250 + 1)
}

/// The device at `index` of the fleet as the service describes it.
fn model(ctx: &Ctx<'_>, index: usize, machine: &Machine) -> MachineModel {
    let now = ctx.app.clock.wall_at(ctx.now);
    let first_seen = ctx.app.clock.wall_at(std::time::Duration::ZERO);
    MachineModel::new(machine.id.clone())
        .with_computer_dns_name(machine.computer_dns_name.clone())
        .with_first_seen(Timestamp::from(first_seen))
        .with_last_seen(Timestamp::from(now))
        .with_os_platform(machine.os_platform.as_str())
        .with_onboarding_status(OnboardingStatus::Onboarded)
        .with_last_ip_address(simulated_ip(index))
        .with_health_status(HealthStatus::Active)
        .with_rbac_group_id(0_i64)
        .with_risk_score(RiskScore::None)
        .with_exposure_level(ExposureLevel::Low)
        .with_machine_tags(Vec::<String>::new())
        .with_device_value(DeviceValue::Normal)
        .with_os_architecture(OsArchitecture::V64Bit)
        .with_is_aad_joined(false)
}

/// Every device of the fleet, in order, as models.
fn fleet(ctx: &Ctx<'_>) -> Vec<MachineModel> {
    let state = ctx.app.state();
    state.machines().iter().enumerate().map(|(i, m)| model(ctx, i, m)).collect()
}

/// A collection of `machines`, with the context the service writes.
fn collection(ctx: &Ctx<'_>, machines: Vec<MachineModel>) -> MachineCollection {
    MachineCollection::new(machines)
        .with_odata_context(format!("{}/api/$metadata#Machines", ctx.app.base_url))
}

/// `getMachine`.
pub(crate) fn get(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let wanted = id(params);
    let found = {
        let state = ctx.app.state();
        state.machines().iter().position(|m| m.id.as_str().eq_ignore_ascii_case(wanted))
    };
    let Some(index) = found else {
        return Err(ApiFailure::not_found(format!("Machine {wanted} was not found")));
    };
    let machine = ctx.app.state().machines()[index].clone();
    let mut json = Json::of(&model(ctx, index, &machine))?;
    if let Json::Object(members) = &mut json {
        let context = format!("{}/api/$metadata#Machines/$entity", ctx.app.base_url);
        members.insert(0, ("@odata.context".to_owned(), Json::Scalar(context.into())));
    }
    Ok(json)
}

/// `listMachines`.
pub(crate) fn list(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let mut top = None;
    let mut skip = 0_usize;
    for (name, value) in &ctx.req.query {
        let count = |what: &str| {
            value.trim().parse::<u64>().map_err(|_| {
                ApiFailure::odata(format!(
                    "the value '{value}' of {what} is not a non-negative integer"
                ))
            })
        };
        match name.to_ascii_lowercase().as_str() {
            "$top" => {
                let value = count("$top")?;
                if value == 0 || value > MAX_TOP as u64 {
                    return Err(ApiFailure::odata(format!(
                        "the value '{value}' of $top is outside 1 to {MAX_TOP}"
                    )));
                }
                top = Some(value as usize);
            }
            "$skip" => skip = usize::try_from(count("$skip")?).unwrap_or(usize::MAX),
            "$filter" => {
                return Err(ApiFailure::odata(
                    "the simulator does not evaluate $filter on machines".to_owned(),
                ));
            }
            other if other.starts_with('$') => {
                return Err(ApiFailure::odata(format!(
                    "the query option '{name}' is not supported (use $top and $skip)"
                )));
            }
            _ => {}
        }
    }
    let all = fleet(ctx);
    let available = all.len().saturating_sub(skip);
    let wanted = top.map_or(available, |top| top.min(available));
    let page_len = wanted.min(ctx.app.config.page_size);
    let start = skip.min(all.len());
    let page = all[start..start + page_len].to_vec();
    let mut result = collection(ctx, page);
    if wanted > page_len {
        let mut query = format!("$skip={}", skip + page_len);
        if let Some(top) = top {
            query = format!("$top={}&{query}", top - page_len);
        }
        result = result.with_odata_next_link(format!("{}/api/machines?{query}", ctx.app.base_url));
    }
    Json::of(&result)
}

/// `findMachinesByIp`: the address is the quoted literal, the timestamp bare.
pub(crate) fn find_by_ip(ctx: &Ctx<'_>, params: &Params) -> Result<Json, ApiFailure> {
    let ip = params.get("ip").unwrap_or_default();
    let at = params.get("timestamp").unwrap_or_default();
    let at = OffsetDateTime::parse(at, &Rfc3339)
        .map_err(|_| ApiFailure::invalid_input(format!("timestamp '{at}'")))?;
    let now = ctx.app.clock.wall_at(ctx.now);
    // Only the lower bound is documented; a time slightly ahead (clock skew) is accepted.
    if at < now - FIND_BY_IP_WINDOW {
        return Err(ApiFailure::invalid_input(
            "the timestamp must be within the past 30 days".to_owned(),
        ));
    }
    let found: Vec<MachineModel> =
        fleet(ctx).into_iter().filter(|m| m.last_ip_address.as_deref() == Some(ip)).collect();
    Json::of(&collection(ctx, found))
}

/// `findMachinesByTag`: `tag` is required; no simulated device has a tag.
pub(crate) fn find_by_tag(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let query = &ctx.req.query;
    if !query.iter().any(|(name, _)| name == "tag") {
        return Err(ApiFailure::missing("tag"));
    }
    if let Some((_, value)) = query.iter().find(|(name, _)| name == "useStartsWithFilter")
        && !value.eq_ignore_ascii_case("true")
        && !value.eq_ignore_ascii_case("false")
    {
        return Err(ApiFailure::invalid_input(format!("useStartsWithFilter '{value}'")));
    }
    Json::of(&collection(ctx, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_ips_are_distinct() {
        assert_eq!(simulated_ip(0), "10.0.0.1");
        assert_eq!(simulated_ip(249), "10.0.0.250");
        assert_eq!(simulated_ip(250), "10.0.1.1");
    }
}
