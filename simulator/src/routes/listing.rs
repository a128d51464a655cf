//! `GET /api/machineactions`: newest first, filtered with `$filter`, paged with `$top`
//! (at most 10,000) and `$skip`, split into server pages with `@odata.nextLink`; and the
//! query options and paging every listing shares (`GET /api/machines` too).

use std::borrow::Cow;

use mde_machine_actions::models::MachineActionCollection;
use time::OffsetDateTime;

use super::{Ctx, Params};
use crate::odata::{self, Entity, Expr, Subject, Value};
use crate::reply::{ApiFailure, Json, action_json};

/// Largest `$top` the service accepts.
const MAX_TOP: usize = 10_000;

/// The query options of a listing.
#[derive(Debug, Default)]
pub(crate) struct Options {
    /// The `$filter` text and its expression.
    pub filter: Option<(String, Expr)>,
    pub top: Option<usize>,
    pub skip: usize,
}

/// One server page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// The items of the page: `start..start + len` of the matching ones.
    pub start: usize,
    pub len: usize,
    /// The query string of the next page, when there is one.
    pub next: Option<String>,
}

impl Options {
    /// The page of `matching` items these options ask for, at most `page_size` long.
    pub fn page(&self, matching: usize, page_size: usize) -> Page {
        let available = matching.saturating_sub(self.skip);
        let wanted = self.top.map_or(available, |top| top.min(available));
        let len = wanted.min(page_size);
        let start = self.skip.min(matching);
        let next = (wanted > len).then(|| {
            let mut next = url::form_urlencoded::Serializer::new(String::new());
            if let Some((text, _)) = &self.filter {
                next.append_pair("$filter", text);
            }
            if let Some(top) = self.top {
                next.append_pair("$top", &(top - len).to_string());
            }
            next.append_pair("$skip", &(self.skip + len).to_string());
            next.finish().replace("%24", "$")
        });
        Page { start, len, next }
    }
}

/// The `@odata.nextLink` of a page of the listing at `path`: the next page's, or, when the
/// plan says so, the page just served.
pub(crate) fn next_link(ctx: &Ctx<'_>, path: &str, page: &Page) -> Option<String> {
    let base = &ctx.app.base_url;
    if ctx.plan.non_advancing_next_link {
        let query = ctx.req.raw_query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
        Some(format!("{base}{}{query}", ctx.req.path))
    } else {
        page.next.as_ref().map(|query| format!("{base}{path}?{query}"))
    }
}

/// The options of a listing of `entity`: `$filter`, `$top` (1 to 10,000) and `$skip`; other
/// `$` options are refused, other parameters ignored.
pub(crate) fn options(query: &[(String, String)], entity: &Entity) -> Result<Options, ApiFailure> {
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
                let expr = odata::parse(value, entity).map_err(ApiFailure::odata)?;
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

/// The values of one action that filters look at.
struct ActionSubject<'a> {
    id: &'a str,
    status: &'a str,
    machine_id: &'a str,
    kind: &'a str,
    requestor: &'a str,
    created: OffsetDateTime,
}

impl Subject for ActionSubject<'_> {
    fn value(&self, field: &str) -> Value<'_> {
        let text = match field {
            "id" => self.id,
            "status" => self.status,
            "machineId" => self.machine_id,
            "type" => self.kind,
            "requestor" => self.requestor,
            "creationDateTimeUtc" => return Value::Date(Some(self.created)),
            _ => return Value::Text(None),
        };
        Value::Text(Some(Cow::Borrowed(text)))
    }
}

/// The handler of `listMachineActions`.
pub(crate) fn list(ctx: &Ctx<'_>, _: &Params) -> Result<Json, ApiFailure> {
    let options = options(&ctx.req.query, &odata::MACHINE_ACTION)?;
    let app = ctx.app;
    let state = app.state();
    let now = ctx.now;
    let mut matching = Vec::new();
    for action in state.actions().iter().rev() {
        if !app.is_visible(action, now) {
            continue;
        }
        let status = action.status_at(now);
        let subject = ActionSubject {
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
    let page = options.page(matching.len(), app.config.page_size);
    let items: Vec<_> = matching[page.start..page.start + page.len]
        .iter()
        .map(|action| action.to_model(now, &app.clock))
        .collect();
    drop(state);

    let base = &app.base_url;
    let mut collection = MachineActionCollection::new(items)
        .with_odata_context(format!("{base}/api/$metadata#MachineActions"));
    if let Some(next) = next_link(ctx, "/api/machineactions", &page) {
        collection = collection.with_odata_next_link(next);
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
        let options = |query: &[(String, String)]| options(query, &odata::MACHINE_ACTION);
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

    #[test]
    fn pages() {
        let options = Options { filter: None, top: Some(5), skip: 2 };
        let page = options.page(10, 3);
        assert_eq!((page.start, page.len), (2, 3));
        assert_eq!(page.next.as_deref(), Some("$top=2&$skip=5"));
        assert_eq!(options.page(4, 3), Page { start: 2, len: 2, next: None });
        assert_eq!(options.page(1, 3), Page { start: 1, len: 0, next: None });
    }
}
