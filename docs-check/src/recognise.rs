//! Which page a markdown file is: the resource page, one of the methods' pages, or none.
//!
//! Copies of Microsoft's pages get renamed (`machineaction-altered.md`, `MachineAction.md`), so
//! the file name is only the last resort. A page is recognised by what it says:
//!
//! - a resource page (the API's own, `machineaction.md`, and that of each object with an
//!   `x-docsUrl`, such as `machine.md`) by its title (front matter `title: machineAction resource
//!   type` or the heading `# MachineAction resource type`, case and spaces ignored), or by a
//!   property table whose rows are mostly the model's properties;
//! - a method page by its HTTP request line (verb and path, with the usual host, placeholder and
//!   case tolerances; the path alone when the verb changed), or by a title that spells the last
//!   segment of the method's docs URL (`Isolate machine API` for `isolate-machine`);
//! - either by its file name (case ignored).
//!
//! Each signal scores; the best candidate wins if it reaches the weight of a file name alone.
//! The weights make a title and a file name that agree outweigh a request line that names
//! another method (a mutated path is then reported, not mistaken for the other method), while a
//! request line and a title outweigh a misleading file name.

use super::markdown::Doc;
use super::methods::{request_signature, spec_canonical};
use super::resource::property_table;
use super::text::plain;
use super::{Spec, file_name};
use codegen::ir::{Method, StructDef};

/// What a page was recognised as.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// The resource page of `Spec::resources[index]`.
    Resource(usize),
    Method(&'a Method),
}

/// A recognised page.
#[derive(Debug, Clone)]
pub(crate) struct Recognition<'a> {
    pub target: Target<'a>,
    /// The page's canonical file name (`machineaction.md`, `isolate-machine.md`).
    pub name: String,
    /// The signals that named it, strongest first.
    pub by: Vec<&'static str>,
}

const TITLE_RESOURCE: u32 = 6;
const PROPERTY_TABLE: u32 = 4;
const REQUEST_LINE: u32 = 5;
const REQUEST_PATH: u32 = 4;
const TITLE_METHOD: u32 = 3;
const FILE_NAME: u32 = 3;
/// The least score that recognises a page: a file name alone, or any content signal.
const ENOUGH: u32 = 3;

/// Recognises the page at `path`, or `None` when it is not a page the check knows.
pub(crate) fn recognise<'a>(spec: &Spec<'a>, path: &str, doc: &Doc) -> Option<Recognition<'a>> {
    let titles = titles(doc);
    let file = file_name(path).to_ascii_lowercase();
    let mut candidates: Vec<(u32, Recognition<'a>)> = Vec::new();

    for (index, resource) in spec.resources.iter().enumerate() {
        let mut by = Vec::new();
        let mut score = 0;
        let resource_title = squash(&format!("{} resource type", resource.def.name));
        if titles.iter().any(|t| squash(t) == resource_title) {
            score += TITLE_RESOURCE;
            by.push("title");
        }
        if has_resource_table(resource.def, doc) {
            score += PROPERTY_TABLE;
            by.push("property table");
        }
        if file == resource.page.to_ascii_lowercase() {
            score += FILE_NAME;
            by.push("file name");
        }
        let target = Target::Resource(index);
        candidates.push((score, Recognition { target, name: resource.page.clone(), by }));
    }

    let request = request_signature(doc);
    for (page, method) in spec.method_pages() {
        let mut by = Vec::new();
        let mut score = 0;
        if let Some((verb, path)) = &request
            && path.eq_ignore_ascii_case(&spec_canonical(method))
        {
            score += if verb == method.verb.as_str() { REQUEST_LINE } else { REQUEST_PATH };
            by.push("request line");
        }
        let slug = words(page.trim_end_matches(".md"));
        if titles.iter().any(|t| title_names_slug(&words(t), &slug)) {
            score += TITLE_METHOD;
            by.push("title");
        }
        if file == page.to_ascii_lowercase() {
            score += FILE_NAME;
            by.push("file name");
        }
        candidates.push((score, Recognition { target: Target::Method(method), name: page, by }));
    }

    let best = candidates.iter().map(|(s, _)| *s).max()?;
    if best < ENOUGH {
        return None;
    }
    candidates.into_iter().find(|(s, _)| *s == best).map(|(_, r)| r)
}

/// The front matter's title and the first level-1 heading.
fn titles(doc: &Doc) -> Vec<String> {
    let mut titles: Vec<String> = doc.front_matter("title").into_iter().collect();
    if let Some(h1) = doc.headings.iter().find(|h| h.level == 1) {
        titles.push(plain(&h1.text));
    }
    titles
}

/// Lowercase letters and digits only.
fn squash(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Lowercase words (runs of letters and digits).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// True when a title's words start with the slug's words (a plural `s` and a closing "API"
/// ignored): "Isolate machine API" for `isolate-machine`, "Get live response results" for
/// `get-live-response-result`, "Run live response commands on a device" for
/// `run-live-response`.
fn title_names_slug(title: &[String], slug: &[String]) -> bool {
    let same = |a: &str, b: &str| {
        a == b || a.strip_suffix('s') == Some(b) || b.strip_suffix('s') == Some(a)
    };
    !slug.is_empty() && title.len() >= slug.len() && title.iter().zip(slug).all(|(t, s)| same(t, s))
}

/// True when the page has a property table whose rows are mostly (at least three, and three
/// in five) the model's properties, by wire name or alias, case ignored.
fn has_resource_table(model: &StructDef, doc: &Doc) -> bool {
    let Some(table) = property_table(doc) else {
        return false;
    };
    let names: Vec<String> =
        table.rows.iter().map(|r| plain(r.cell(0))).filter(|n| !n.is_empty()).collect();
    let known = names
        .iter()
        .filter(|name| {
            model.fields.iter().any(|f| {
                f.wire.eq_ignore_ascii_case(name)
                    || f.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            })
        })
        .count();
    known >= 3 && known * 5 >= names.len() * 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        words(text)
    }

    #[test]
    fn titles_name_slugs() {
        assert!(title_names_slug(&w("Isolate machine API"), &w("isolate-machine")));
        assert!(title_names_slug(&w("Get live response results"), &w("get-live-response-result")));
        assert!(title_names_slug(&w("Run live response commands"), &w("run-live-response")));
        assert!(!title_names_slug(&w("Release machine"), &w("unisolate-machine")));
        assert!(!title_names_slug(&w("Isolate"), &w("isolate-machine")));
        assert!(!title_names_slug(&w("anything"), &[]));
    }
}
