//! `GET /api/machineactions`: newest first, filtered with `$filter`, paged with `$top`
//! (at most 10,000) and `$skip`, split into server pages with `@odata.nextLink`.

use mde_machine_actions::models::MachineActionCollection;

use super::{Ctx, Params};
use crate::odata::{self, Expr, Subject};
use crate::reply::{ApiFailure, Json, action_json};

/// Largest `$top` the service accepts.
const MAX_TOP: usize = 10_000;

#[derive(Debug, Default)]
struct Options {
    filter: Option<(String, Expr)>,
    top: Option<usize>,
    skip: usize,
}

fn options(query: &[(String, String)]) -> Result<Options, ApiFailure> {
    let mut options = Options::default();
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in query {
        if !name.starts_with('$') {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(ApiFailure::odata(format!(
                "the query option '{name}' was specified more than once"
            )));
        }
        seen.push(lower.clone());
        let count = |what: &str| {
            value.trim().parse::<u64>().map_err(|_| {
                ApiFailure::odata(format!(
                    "the value '{value}' of {what} is not a non-negative integer"
                ))
            })
        };
        match lower.as_str() {
            "$filter" => {
                let expr = odata::parse(value).map_err(ApiFailure::odata)?;
                options.filter = Some((value.clone(), expr));
            }
            "$top" => {
                let top = count("$top")?;
                // The spec's minimum: a page of none is not a page (OData allows 0, the
                // documented contract gives only the maximum, and the SDK never sends 0, so
                // the simulator follows the spec and refuses it).
                if top == 0 {
                    return Err(ApiFailure::odata(
                        "the value '0' of $top is below its minimum of '1'".to_owned(),
                    ));
                }
                if top > MAX_TOP as u64 {
                    return Err(ApiFailure::odata(format!(
                        "the limit of '{MAX_TOP}' for $top has been exceeded; the requested value is '{top}'"
                    )));
                }
                options.top = Some(top as usize);
            }
            "$skip" => {
                // An Edm.Int32, as the spec's format says.
                let skip = count("$skip")?;
                if skip > i32::MAX as u64 {
                    return Err(ApiFailure::odata(format!(
                        "the value '{skip}' of $skip is larger than an Int32"
                    )));
                }
                options.skip = usize::try_from(skip).unwrap_or(usize::MAX);
            }
            _ => {
                return Err(ApiFailure::odata(format!(
                    "the query option '{name}' is not supported (use $filter, $top and $skip)"
                )));
            }
        }
    }
    Ok(options)
}

/// The handler of `listMachineActions`.
pub(crate) fn list(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let options = options(&ctx.req.query)?;
    let app = ctx.app;
    let state = app.state();
    let now = ctx.now;
    let mut matching = Vec::new();
    for action in state.actions().iter().rev() {
        if !app.is_visible(action, now) {
            continue;
        }
        let status = action.status_at(now);
        let subject = Subject {
            id: &action.id,
            status: status.as_str(),
            machine_id: &action.machine_id,
            kind: action.kind.as_str(),
            requestor: &action.requestor,
            created: app.clock.wall_at(action.created),
        };
        if options.filter.as_ref().is_none_or(|(_, expr)| expr.matches(&subject)) {
            matching.push(action);
        }
    }
    let available = matching.len().saturating_sub(options.skip);
    let wanted = options.top.map_or(available, |top| top.min(available));
    let page_len = wanted.min(app.config.page_size);
    let start = options.skip.min(matching.len());
    let page: Vec<_> = matching[start..start + page_len]
        .iter()
        .map(|action| action.to_model(now, &app.clock))
        .collect();
    drop(state);

    let base = &app.base_url;
    let mut collection = MachineActionCollection::new(page)
        .with_odata_context(format!("{base}/api/$metadata#MachineActions"));
    if ctx.plan.non_advancing_next_link {
        let query = ctx.req.raw_query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
        collection = collection.with_odata_next_link(format!("{base}{}{query}", ctx.req.path));
    } else if wanted > page_len {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        if let Some((text, _)) = &options.filter {
            next.append_pair("$filter", text);
        }
        if let Some(top) = options.top {
            next.append_pair("$top", &(top - page_len).to_string());
        }
        next.append_pair("$skip", &(options.skip + page_len).to_string());
        let query = next.finish().replace("%24", "$");
        collection = collection.with_odata_next_link(format!("{base}/api/machineactions?{query}"));
    }
    let mut json = Json::of(&collection)?;
    if let Some(Json::Array(items)) = json.get_mut("value") {
        for (item, action) in items.iter_mut().zip(&collection.value) {
            *item = action_json(action)?;
        }
    }
    // The next link goes after the page, where OData services write it.
    if let Json::Object(members) = &mut json
        && let Some(at) = members.iter().position(|(key, _)| key == "@odata.nextLink")
    {
        let next = members.remove(at);
        members.push(next);
    }
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn query_options() {
        let ok = options(&query(&[("$top", "2"), ("$skip", "3"), ("api-version", "1")])).unwrap();
        assert_eq!((ok.top, ok.skip), (Some(2), 3));
        assert!(options(&query(&[("$top", "10001")])).is_err());
        assert!(options(&query(&[("$top", "-1")])).is_err());
        assert!(options(&query(&[("$top", "0")])).is_err());
        assert!(options(&query(&[("$skip", "2147483648")])).is_err());
        assert!(options(&query(&[("$skip", "2147483647")])).is_ok());
        assert!(options(&query(&[("$filter", "")])).is_err());
        assert!(options(&query(&[("$skip", "x")])).is_err());
        assert!(options(&query(&[("$top", "1"), ("$Top", "2")])).is_err());
        assert!(options(&query(&[("$orderby", "id")])).is_err());
        assert!(options(&query(&[("$filter", "status eq")])).is_err());
    }
}
