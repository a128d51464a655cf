//! `cargo xtask docs-check`: the vendored resource page (`spec/docs/machineaction.md`) and the
//! method pages under `tests/fixtures/docs-check/` (written in the format of Microsoft's method
//! pages, with their irregularities, but not copies of them) show no unexplained drift; copies
//! mutated here by string replacement show exactly the one difference each mutation makes, with
//! its page and line, and nothing else. The JSON rendering and the exit statuses are checked
//! through [`docs_check::run`], which the xtask only feeds with files. Pages grown to 40,000
//! lines (`tests::large_pages`) report what their originals report, at the lines they moved to;
//! an accepted limit holds for the documented value it names and no other.

use docs_check::{self, EXIT_CLEAN, EXIT_DRIFT, EXIT_INPUT, Format, Kind, Options, Page, Report};

use tests::large_pages::{Size, grow, one_line_page};

use crate::support::{fixture, project_root, read};

const RESOURCE: &str = "spec/docs/machineaction.md";

fn spec_text() -> String {
    read(&project_root().join("spec/machineaction.json"))
}

fn accepted_text() -> String {
    read(&project_root().join("spec/docs-accepted.json"))
}

fn vendored() -> String {
    read(&project_root().join(RESOURCE))
}

/// The display path of a method page fixture.
fn method_path(name: &str) -> String {
    format!("tests/fixtures/docs-check/defender-endpoint/api/{name}")
}

fn method_page(name: &str) -> String {
    read(&fixture(&format!("docs-check/defender-endpoint/api/{name}")))
}

const METHOD_PAGES: [&str; 7] = [
    "cancel-machine-action.md",
    "get-live-response-result.md",
    "get-machineactions-collection.md",
    "get-package-sas-uri.md",
    "isolate-machine.md",
    "run-av-scan.md",
    "run-live-response.md",
];

#[track_caller]
fn check(pages: &[(&str, &str)]) -> Report {
    let pages: Vec<Page> = pages
        .iter()
        .map(|(path, text)| Page { path: (*path).to_owned(), text: (*text).to_owned() })
        .collect();
    docs_check::check(&spec_text(), &pages, &accepted_text())
        .unwrap_or_else(|e| panic!("input error: {e}"))
}

/// The unexplained findings as `(kind, page, line, subject)`.
fn drift(report: &Report) -> Vec<(Kind, String, usize, String)> {
    report.unexplained().map(|f| (f.kind, f.page.clone(), f.line, f.subject.clone())).collect()
}

/// The accepted findings as `(kind, line, subject)`.
fn accepted(report: &Report) -> Vec<(Kind, usize, String)> {
    report.accepted().map(|f| (f.kind, f.line, f.subject.clone())).collect()
}

/// 1-based line of the only line containing `needle`.
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<usize> =
        text.lines().enumerate().filter(|(_, l)| l.contains(needle)).map(|(i, _)| i + 1).collect();
    assert_eq!(lines.len(), 1, "`{needle}` should be on exactly one line, found on {lines:?}");
    lines[0]
}

/// `text` with its only occurrence of `old` replaced by `new`.
#[track_caller]
fn mutate(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "`{old}` should occur exactly once");
    text.replacen(old, new, 1)
}

/// Checks the mutated resource page and expects exactly `expected` as `(kind, line, subject)`.
#[track_caller]
fn expect_resource_drift(text: &str, expected: &[(Kind, usize, &str)]) {
    let report = check(&[(RESOURCE, text)]);
    let expected: Vec<(Kind, String, usize, String)> =
        expected.iter().map(|(k, l, s)| (*k, RESOURCE.to_owned(), *l, (*s).to_owned())).collect();
    assert_eq!(drift(&report), expected, "{}", report.to_text());
    assert_eq!(report.exit_status(), EXIT_DRIFT);
}

/// Checks a mutated method page fixture and expects exactly `expected`.
#[track_caller]
fn expect_method_drift(name: &str, text: &str, expected: &[(Kind, usize, &str)]) {
    let path = method_path(name);
    let report = check(&[(&path, text)]);
    let expected: Vec<(Kind, String, usize, String)> =
        expected.iter().map(|(k, l, s)| (*k, path.clone(), *l, (*s).to_owned())).collect();
    assert_eq!(drift(&report), expected, "{}", report.to_text());
}

/// A mutation of one page and exactly the unexplained findings it must cause.
struct Mutation {
    /// What the mutation shows, for failure messages.
    case: &'static str,
    /// [`RESOURCE`], or the file name of a method page fixture.
    page: &'static str,
    /// Replacements made in turn; each replaced text must occur exactly once.
    edits: &'static [(&'static str, &'static str)],
    /// The expected findings as `(kind, needle, subject)`: each is on the only line of the
    /// mutated page that contains its needle.
    drift: &'static [(Kind, &'static str, &'static str)],
}

/// Checks each mutated page on its own and expects exactly its findings (and, for the resource
/// page, the drift exit status).
#[track_caller]
fn expect_mutations(mutations: &[Mutation]) {
    for Mutation { case, page, edits, drift: expected } in mutations {
        let (path, original) = if *page == RESOURCE {
            (RESOURCE.to_owned(), vendored())
        } else {
            (method_path(page), method_page(page))
        };
        let text = edits.iter().fold(original, |text, (old, new)| mutate(&text, old, new));
        let report = check(&[(&path, &text)]);
        let expected: Vec<(Kind, String, usize, String)> = expected
            .iter()
            .map(|(kind, needle, subject)| {
                (*kind, path.clone(), line_of(&text, needle), (*subject).to_owned())
            })
            .collect();
        assert_eq!(drift(&report), expected, "{case}:\n{}", report.to_text());
        if *page == RESOURCE {
            assert_eq!(report.exit_status(), EXIT_DRIFT, "{case}");
        }
    }
}

// ---- The vendored resource page ----

#[test]
fn vendored_page_keeps_its_front_matter() {
    let text = vendored();
    assert!(text.starts_with("---\ntitle: machineAction resource type\n"), "front matter lost");
    assert!(text.contains("\n---\n\n# MachineAction resource type\n"));
}

#[test]
fn vendored_page_has_no_unexplained_drift() {
    let text = vendored();
    let report = check(&[(RESOURCE, &text)]);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert_eq!(report.exit_status(), EXIT_CLEAN);
    let end_of_table = line_of(&text, "|relatedFileInfo|Class|") + 1;
    // The Machine lookups belong to machine.md's method table, so this one need not list them.
    assert_eq!(
        accepted(&report),
        vec![
            (Kind::PropertyRenamed, line_of(&text, "|ID|Guid|"), "ID".to_owned()),
            (Kind::PropertyRenamed, line_of(&text, "|externalID|"), "externalID".to_owned()),
            (Kind::PropertyRetyped, line_of(&text, "|commands|array|"), "commands".to_owned()),
            (Kind::PropertyRemoved, end_of_table, "errorHResult".to_owned()),
            (Kind::PropertyRemoved, end_of_table, "troubleshootInfo".to_owned()),
        ],
        "{}",
        report.to_text()
    );
    assert!(report.findings.iter().all(|f| f.accepted.as_deref().is_some_and(|r| !r.is_empty())));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn resource_page_mutations_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "added enum value",
            page: RESOURCE,
            edits: &[(
                "\"TimeOut\", and \"Cancelled\".",
                "\"TimeOut\", \"Cancelled\", and \"Expired\".",
            )],
            drift: &[(Kind::EnumValueAdded, "|status|Enum|", "status/Expired")],
        },
        Mutation {
            case: "removed enum value",
            page: RESOURCE,
            edits: &[("\"Isolate\", \"Unisolate\",", "\"Isolate\",")],
            drift: &[(Kind::EnumValueRemoved, "|type|Enum|", "type/Unisolate")],
        },
        Mutation {
            case: "respelled enum value (case)",
            page: RESOURCE,
            edits: &[("\"TimeOut\"", "\"Timeout\"")],
            drift: &[(Kind::EnumValueRenamed, "|status|Enum|", "status/Timeout")],
        },
        Mutation {
            case: "respelled enum value (similar)",
            page: RESOURCE,
            edits: &[("\"Cancelled\"", "\"Canceled\"")],
            drift: &[(Kind::EnumValueRenamed, "|status|Enum|", "status/Canceled")],
        },
        Mutation {
            case: "an unrelated value in place of another is a removal and an addition",
            page: RESOURCE,
            edits: &[("\"Unisolate\"", "\"Contain\"")],
            drift: &[
                (Kind::EnumValueAdded, "|type|Enum|", "type/Contain"),
                (Kind::EnumValueRemoved, "|type|Enum|", "type/Unisolate"),
            ],
        },
        Mutation {
            case: "added value of a class member",
            page: RESOURCE,
            edits: &[("\"Sha256\", and \"Md5\".", "\"Sha256\", \"Md5\", and \"Sha512\".")],
            drift: &[(
                Kind::EnumValueAdded,
                "|relatedFileInfo|",
                "relatedFileInfo.fileIdentifierType/Sha512",
            )],
        },
        Mutation {
            case: "added value of a plain string property",
            page: RESOURCE,
            edits: &[(
                "\"Full\" or \"Selective\" for Isolation",
                "\"Full\", \"Selective\" or \"Contained\" for Isolation",
            )],
            drift: &[(Kind::EnumValueAdded, "|scope|", "scope/Contained")],
        },
        Mutation {
            case: "removed value of a plain string property",
            page: RESOURCE,
            edits: &[("\"Full\" or \"Selective\" for Isolation, ", "")],
            drift: &[(Kind::EnumValueRemoved, "|scope|", "scope/Selective")],
        },
        Mutation {
            case: "removed value of a plain string property, another cell",
            page: RESOURCE,
            edits: &[("\"Quick\" or \"Full\" for Anti-Virus scan", "\"Full\" for Anti-Virus scan")],
            drift: &[(Kind::EnumValueRemoved, "|scope|", "scope/Quick")],
        },
        Mutation {
            case: "added property",
            page: RESOURCE,
            edits: &[(
                "|title|String|Machine action title.|\n",
                "|title|String|Machine action title.|\n|priority|Int|Urgency.|\n",
            )],
            drift: &[(Kind::PropertyAdded, "|priority|", "priority")],
        },
        Mutation {
            case: "retyped date-time",
            page: RESOURCE,
            edits: &[("|creationDateTimeUtc|DateTimeOffset|", "|creationDateTimeUtc|String|")],
            drift: &[(Kind::PropertyRetyped, "|creationDateTimeUtc|", "creationDateTimeUtc")],
        },
        Mutation {
            case: "retyped string",
            page: RESOURCE,
            edits: &[("|machineId|String|", "|machineId|Int64|")],
            drift: &[(Kind::PropertyRetyped, "|machineId|", "machineId")],
        },
        Mutation {
            case: "retyped enum",
            page: RESOURCE,
            edits: &[("|status|Enum|", "|status|String|")],
            drift: &[(Kind::PropertyRetyped, "|status|", "status")],
        },
        Mutation {
            case: "retyped string as guid",
            page: RESOURCE,
            edits: &[("|requestor|String|", "|requestor|Guid|")],
            drift: &[(Kind::PropertyRetyped, "|requestor|", "requestor")],
        },
        Mutation {
            case: "renamed wire name in the table (case)",
            page: RESOURCE,
            edits: &[("|computerDnsName|String|", "|computerDNSName|String|")],
            drift: &[(Kind::PropertyRenamed, "|computerDNSName|", "computerDNSName")],
        },
        Mutation {
            case: "renamed wire name in the table (similar)",
            page: RESOURCE,
            edits: &[("|requestorComment|String|", "|requesterComment|String|")],
            drift: &[(Kind::PropertyRenamed, "|requesterComment|", "requesterComment")],
        },
        Mutation {
            case: "renamed member of a class in the table",
            page: RESOURCE,
            edits: &[("Enum `fileIdentifierType`", "Enum `fileIdType`")],
            drift: &[(Kind::PropertyRenamed, "|relatedFileInfo|", "relatedFileInfo.fileIdType")],
        },
        Mutation {
            case: "renamed wire name in the JSON representation",
            page: RESOURCE,
            edits: &[(
                "\"computerDnsName\": \"desktop-test\"",
                "\"deviceDnsName\": \"desktop-test\"",
            )],
            drift: &[(Kind::ExampleUnknownKey, "\"deviceDnsName\"", "deviceDnsName")],
        },
        Mutation {
            case: "a renamed required member: one finding, not \"unknown\" plus \"missing\"",
            page: RESOURCE,
            edits: &[("\"id\": \"5382f7ea", "\"Id\": \"5382f7ea")],
            drift: &[(Kind::ExampleUnknownKey, "\"Id\"", "Id")],
        },
        Mutation {
            case: "JSON representation value not in the enum",
            page: RESOURCE,
            edits: &[("\"status\": \"Succeeded\"", "\"status\": \"Done\"")],
            drift: &[(Kind::ExampleInvalid, "\"status\"", "status")],
        },
        Mutation {
            case: "JSON representation value not a date-time",
            page: RESOURCE,
            edits: &[(
                "\"creationDateTimeUtc\": \"2019-01-02T14:39:38.2262283Z\"",
                "\"creationDateTimeUtc\": \"yesterday\"",
            )],
            drift: &[(Kind::ExampleInvalid, "\"creationDateTimeUtc\"", "creationDateTimeUtc")],
        },
        Mutation {
            case: "JSON representation value not an object",
            page: RESOURCE,
            edits: &[("\"relatedFileInfo\": null", "\"relatedFileInfo\": 7")],
            drift: &[(Kind::ExampleInvalid, "\"relatedFileInfo\"", "relatedFileInfo")],
        },
    ]);
}

#[test]
fn json_representation_that_is_not_json() {
    let text = mutate(&vendored(), "\"relatedFileInfo\": null", "\"relatedFileInfo\": null,");
    expect_resource_drift(
        &text,
        &[(
            Kind::ExampleUnparsable,
            line_of(&text, "\"relatedFileInfo\"") + 1,
            "Json representation, JSON block 1",
        )],
    );
}

#[test]
fn removed_property_is_reported_where_its_row_was() {
    let original = vendored();
    let row_line = line_of(&original, "|title|String|");
    let text = mutate(&original, "|title|String|Machine action title.|\n", "");
    expect_resource_drift(&text, &[(Kind::PropertyRemoved, row_line, "title")]);
}

#[test]
fn method_table_rows_are_compared_with_the_spec_methods() {
    let original = vendored();
    let row = "|[Cancel machine action](cancel-machine-action.md)|[Machine Action](machineaction.md)|Cancel an active machine action.|\n";
    let line = line_of(&original, "(cancel-machine-action.md)");
    let text = mutate(&original, row, "");
    expect_resource_drift(&text, &[(Kind::MethodRemoved, line, "cancel-machine-action")]);

    let text = mutate(
        &original,
        row,
        &format!(
            "{row}|[Wipe machine](wipe-machine.md)|[Machine Action](machineaction.md)|Wipes.|\n"
        ),
    );
    expect_resource_drift(&text, &[(Kind::MethodAdded, line + 1, "wipe-machine")]);
}

// ---- Method pages ----

#[test]
fn method_page_fixtures_have_no_unexplained_drift() {
    let texts: Vec<(String, String)> =
        METHOD_PAGES.iter().map(|n| (method_path(n), method_page(n))).collect();
    let mut pages: Vec<(&str, &str)> =
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let resource = vendored();
    pages.push((RESOURCE, &resource));
    let report = check(&pages);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let mut kinds: Vec<(String, Kind, String)> = report
        .accepted()
        .filter(|f| f.page != RESOURCE)
        .map(|f| (f.page.rsplit('/').next().unwrap_or("").to_owned(), f.kind, f.subject.clone()))
        .collect();
    kinds.dedup();
    let expected = [
        ("cancel-machine-action.md", Kind::BodyFieldOptional, "Comment"),
        ("get-live-response-result.md", Kind::PlatformRemoved, "Linux"),
        ("get-live-response-result.md", Kind::PlatformRemoved, "macOS"),
        ("get-live-response-result.md", Kind::PermissionAdded, "application/Machine.Read.All"),
        ("get-live-response-result.md", Kind::ExampleUnparsable, "Response example, JSON block 2"),
        ("get-machineactions-collection.md", Kind::PermissionAdded, "application/Machine.Read.All"),
        ("get-machineactions-collection.md", Kind::PermissionAdded, "delegated/Machine.Read"),
        ("get-machineactions-collection.md", Kind::ExampleAliasKey, "value[].lastUpdateTimeUtc"),
        ("get-package-sas-uri.md", Kind::PathChanged, "/api/machineactions/{}/getPackageUri"),
        ("run-av-scan.md", Kind::PlatformRemoved, "Linux"),
        ("run-av-scan.md", Kind::PlatformRemoved, "macOS"),
        ("run-live-response.md", Kind::PlatformRemoved, "Azure Stack HCI OS"),
        ("run-live-response.md", Kind::BodyFieldOptional, "Comment"),
        ("run-live-response.md", Kind::BodyFieldRetyped, "Commands"),
        ("run-live-response.md", Kind::BodyFieldOptional, "Commands"),
    ];
    let expected: Vec<(String, Kind, String)> =
        expected.iter().map(|(p, k, s)| ((*p).to_owned(), *k, (*s).to_owned())).collect();
    assert_eq!(kinds, expected, "{}", report.to_text());
}

#[test]
fn method_page_mutations_show_exactly_their_difference() {
    const ISOLATE: &str = "isolate-machine.md";
    const LIST: &str = "get-machineactions-collection.md";
    const LIVE: &str = "run-live-response.md";
    const RESULT: &str = "get-live-response-result.md";
    expect_mutations(&[
        Mutation {
            case: "changed path",
            page: ISOLATE,
            edits: &[("/api/machines/{id}/isolate\n", "/api/machines/{id}/contain\n")],
            drift: &[(Kind::PathChanged, "{id}/contain", "/api/machines/{}/contain")],
        },
        Mutation {
            case: "changed path in the example request",
            page: ISOLATE,
            edits: &[("d0cc07/isolate\n", "d0cc07/contain\n")],
            drift: &[(
                Kind::PathChanged,
                "d0cc07/contain",
                "/api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/contain",
            )],
        },
        Mutation {
            case: "changed verb",
            page: ISOLATE,
            edits: &[(
                "POST https://api.security.microsoft.com/api/machines/{id}",
                "PUT https://api.security.microsoft.com/api/machines/{id}",
            )],
            drift: &[(Kind::VerbChanged, "PUT https", "PUT")],
        },
        Mutation {
            case: "unknown host",
            page: ISOLATE,
            edits: &[(
                "https://api.security.microsoft.com/api/machines/{id}",
                "https://api.defender.example/api/machines/{id}",
            )],
            drift: &[(Kind::HostChanged, "api.defender.example", "api.defender.example")],
        },
        Mutation {
            case: "changed path of another method",
            page: RESULT,
            edits: &[(
                "{machine action\nid}/GetLiveResponseResultDownloadLink",
                "{machine action\nid}/GetLiveResponseResultLink",
            )],
            drift: &[(
                Kind::PathChanged,
                "GET https://api.security.microsoft.com/api/machineactions/{machine action",
                "/api/machineactions/{}/GetLiveResponseResultLink(index={})",
            )],
        },
        Mutation {
            case: "removed limits",
            page: ISOLATE,
            edits: &[(
                "1. Rate limitations for this API are 100 calls per minute and 1,500 calls per hour.\n",
                "",
            )],
            drift: &[
                (Kind::LimitRemoved, "## Limitations", "per hour"),
                (Kind::LimitRemoved, "## Limitations", "per minute"),
            ],
        },
        Mutation {
            case: "changed limit",
            page: ISOLATE,
            edits: &[("100 calls per minute", "50 calls per minute")],
            drift: &[(Kind::LimitChanged, "50 calls per minute", "per minute")],
        },
        Mutation {
            case: "changed limit of another method",
            page: LIVE,
            edits: &[("10 calls per minute", "20 calls per minute")],
            drift: &[(Kind::LimitChanged, "20 calls per minute", "per minute")],
        },
        Mutation {
            case: "changed limit of a third method",
            page: "get-package-sas-uri.md",
            edits: &[("2 calls per minute", "5 calls per minute")],
            drift: &[(Kind::LimitChanged, "5 calls per minute", "per minute")],
        },
        Mutation {
            case: "changed page size",
            page: LIST,
            edits: &[("page size is 10,000", "page size is 1,000")],
            drift: &[(Kind::LimitChanged, "page size is 1,000", "page size")],
        },
        Mutation {
            case: "changed $top maximum",
            page: LIST,
            edits: &[("with max value of 10,000", "with max value of 5,000")],
            drift: &[(Kind::LimitChanged, "max value of 5,000", "$top")],
        },
        Mutation {
            case: "changed $top maximum, with the page's `$stop` typo fixed",
            page: LIST,
            edits: &[("`$stop` with max value of 10,000", "`$top` with max value of 1000")],
            drift: &[(Kind::LimitChanged, "max value of 1000", "$top")],
        },
        Mutation {
            case: "removed $top maximum",
            page: LIST,
            edits: &[("`$stop` with max value of 10,000\n", "")],
            drift: &[(Kind::LimitRemoved, "## Limitations", "$top")],
        },
        Mutation {
            case: "changed recorded limit: concurrent sessions",
            page: LIVE,
            edits: &[(
                "2. 50 concurrently running sessions",
                "2. 25 concurrently running sessions",
            )],
            drift: &[(Kind::LimitChanged, "25 concurrently", "concurrent sessions")],
        },
        Mutation {
            case: "changed recorded limit: offline queue time",
            page: LIVE,
            edits: &[("queued for up to 2 hours", "queued for up to three days")],
            drift: &[(Kind::LimitChanged, "three days", "offline queue time")],
        },
        Mutation {
            case: "changed recorded limit, split over lines: script timeout",
            page: LIVE,
            edits: &[("time-outs after 10 minutes", "times out after 20\nminutes")],
            drift: &[(Kind::LimitChanged, "times out after 20", "RunScript timeout")],
        },
        Mutation {
            case: "the same duration in other words is no change",
            page: LIVE,
            edits: &[("queued for up to 2 hours", "queued for up to 120 minutes")],
            drift: &[],
        },
        Mutation {
            case: "changed recorded limit: link validity",
            page: RESULT,
            edits: &[("valid for 30 minutes", "valid for 1 hour")],
            drift: &[(Kind::LimitChanged, "valid for 1 hour", "link validity")],
        },
        Mutation {
            case: "a recorded statement gone from a page with Limitations is reported there",
            page: LIVE,
            edits: &[("4. RunScript command time-outs after 10 minutes.\n", "")],
            drift: &[(Kind::LimitRemoved, "## Limitations", "RunScript timeout")],
        },
        Mutation {
            case: "a recorded statement gone from another page with Limitations",
            page: RESULT,
            edits: &[("This link is valid for 30 minutes and", "This link")],
            drift: &[(Kind::LimitRemoved, "## Limitations", "link validity")],
        },
        Mutation {
            case: "body field made required",
            page: ISOLATE,
            edits: &[("or **UnManagedDevice**.|", "or **UnManagedDevice**. **Required**.|")],
            drift: &[(Kind::BodyFieldRequired, "|IsolationType|", "IsolationType")],
        },
        Mutation {
            case: "body field renamed",
            page: ISOLATE,
            edits: &[("|Comment|String|", "|comment|String|")],
            drift: &[(Kind::BodyFieldRenamed, "|comment|", "comment")],
        },
        Mutation {
            case: "body field added",
            page: ISOLATE,
            edits: &[("|Comment|String|", "|Priority|Int|Urgency.|\n|Comment|String|")],
            drift: &[(Kind::BodyFieldAdded, "|Priority|", "Priority")],
        },
        Mutation {
            case: "allowed value added",
            page: ISOLATE,
            edits: &[(
                "**Selective**, or **UnManagedDevice**",
                "**Selective**, **Partial**, or **UnManagedDevice**",
            )],
            drift: &[(Kind::EnumValueAdded, "|IsolationType|", "IsolationType/Partial")],
        },
        Mutation {
            case: "allowed value removed from the table and the bullets",
            page: ISOLATE,
            edits: &[
                ("- UnManagedDevice: containment of an unmanaged device.\n", ""),
                (", or **UnManagedDevice**", ""),
            ],
            drift: &[(Kind::EnumValueRemoved, "|IsolationType|", "IsolationType/UnManagedDevice")],
        },
        Mutation {
            case: "allowed value removed from the table only: the table is authoritative",
            page: ISOLATE,
            edits: &[(
                "**Full**, **Selective**, or **UnManagedDevice**",
                "**Full** or **Selective**",
            )],
            drift: &[(Kind::EnumValueRemoved, "|IsolationType|", "IsolationType/UnManagedDevice")],
        },
        Mutation {
            case: "a value only the bullets drop is not drift while the table still lists it",
            page: ISOLATE,
            edits: &[("- UnManagedDevice: containment of an unmanaged device.\n", "")],
            drift: &[],
        },
        Mutation {
            case: "a value only the bullets add is still reported, on its bullet",
            page: ISOLATE,
            edits: &[(
                "- UnManagedDevice: containment",
                "- Partial: some ports only.\n- UnManagedDevice: containment",
            )],
            drift: &[(Kind::EnumValueAdded, "- Partial", "IsolationType/Partial")],
        },
        Mutation {
            case: "allowed value added to a table cell of another method",
            page: LIVE,
            edits: &[(
                "Allowed values are PutFile, RunScript, GetFile",
                "Allowed values are PutFile, RunScript, GetFile, RunCommand",
            )],
            drift: &[(Kind::EnumValueAdded, "|Commands|", "Commands/RunCommand")],
        },
        Mutation {
            case: "allowed value added to bullets under the table",
            page: "run-av-scan.md",
            edits: &[(
                "- **Full**: every file on the device\n",
                "- **Full**: every file on the device\n- **Custom**: chosen folders\n",
            )],
            drift: &[(Kind::EnumValueAdded, "**Custom**", "ScanType/Custom")],
        },
        Mutation {
            case: "possible value in prose added",
            page: LIVE,
            edits: &[(
                "\"Created\", \"Completed\", and \"Failed\".",
                "\"Created\", \"Completed\", \"Failed\", and \"Skipped\".",
            )],
            drift: &[(Kind::EnumValueAdded, "\"Skipped\"", "commands[].commandStatus/Skipped")],
        },
        Mutation {
            case: "possible value in prose removed",
            page: LIVE,
            edits: &[(
                "\"Created\", \"Completed\", and \"Failed\".",
                "\"Created\" and \"Failed\".",
            )],
            drift: &[(
                Kind::EnumValueRemoved,
                "command status are",
                "commands[].commandStatus/Completed",
            )],
        },
        Mutation {
            case: "request example value not in the enum",
            page: ISOLATE,
            edits: &[("\"IsolationType\": \"Full\" ", "\"IsolationType\": \"Complete\"")],
            drift: &[(Kind::ExampleInvalid, "\"Complete\"", "IsolationType")],
        },
        Mutation {
            case: "request example member the body does not have",
            page: ISOLATE,
            edits: &[(
                "\"IsolationType\": \"Full\" ",
                "\"IsolationType\": \"Full\",\n  \"Force\": true",
            )],
            drift: &[(Kind::ExampleUnknownKey, "\"Force\"", "Force")],
        },
        Mutation {
            case: "$filter on an unknown property",
            page: LIST,
            edits: &[("$filter=machineId eq", "$filter=deviceId eq")],
            drift: &[(Kind::ExampleFilterInvalid, "$filter=deviceId", "deviceId")],
        },
        Mutation {
            case: "$filter on a property that is not filterable",
            page: LIST,
            edits: &[(
                "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'",
                "$filter=computerDnsName eq 'desktop-39g9tgl' and creationDateTimeUtc gt 2018-12-01T00:00:00Z",
            )],
            drift: &[(Kind::ExampleFilterInvalid, "$filter=", "computerDnsName")],
        },
        Mutation {
            case: "$filter with an operator the property does not support",
            page: LIST,
            edits: &[("$filter=machineId eq", "$filter=status gt 'Pending' and machineId eq")],
            drift: &[(Kind::ExampleFilterInvalid, "$filter=", "status gt")],
        },
        Mutation {
            case: "well-formed $filter with functions, lists, dates and encoded spaces passes",
            page: LIST,
            edits: &[(
                "$filter=machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'",
                "$filter=status%20in%20('Pending','InProgress')+and+creationDateTimeUtc+ge+2019-11-22T00:00:00Z and startswith(requestor,'a')",
            )],
            drift: &[],
        },
    ]);
}

#[test]
fn isolate_body_field_removed_is_reported_where_its_row_was() {
    let original = method_page("isolate-machine.md");
    let row = "|Comment|String|Comment to associate with the action. **Required**.|\n";
    let line = line_of(&original, "|Comment|String|");
    let text = mutate(&original, row, "");
    expect_method_drift("isolate-machine.md", &text, &[(Kind::BodyFieldRemoved, line, "Comment")]);
}

#[test]
fn a_page_without_limitations_says_nothing_about_limits() {
    let text = "# Run live response\n\n## HTTP request\n\n```http\nPOST https://api.security.microsoft.com/api/machines/{id}/runliveresponse\n```\n";
    let report = check(&[("live.md", text)]);
    assert!(report.findings.is_empty(), "{}", report.to_text());
}

#[test]
fn minimal_method_page_with_a_changed_path() {
    // A page with nothing but its request line says nothing about body or limits.
    let text = "# Isolate machine API\n\n## HTTP request\n\n```http\nPOST https://api.security.microsoft.com/api/machines/{id}/isolateDevice\n```\n";
    expect_method_drift(
        "isolate-machine.md",
        text,
        &[(Kind::PathChanged, 6, "/api/machines/{}/isolateDevice")],
    );
}

#[test]
fn isolate_tolerated_spellings() {
    let original = method_page("isolate-machine.md");
    let text = mutate(
        &original,
        "POST https://api.security.microsoft.com/api/machines/{id}/isolate\n",
        "POST\nhttps://api.securitycenter.microsoft.com/API/machines/{machine_id}/isolate/\n",
    );
    let text = mutate(&text, "1,500 calls per hour", "1500 calls per\n   hour");
    let report = check(&[(&method_path("isolate-machine.md"), &text)]);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert!(report.findings.is_empty(), "{}", report.to_text());
}

// ---- Recognising pages ----

#[test]
fn the_resource_page_is_recognised_by_its_content() {
    for path in ["spec/docs/machineaction-altered.md", "spec/docs/MachineAction.md", "page.md"] {
        let report = check(&[(path, &vendored())]);
        assert!(!report.has_drift(), "{path}: {}", report.to_text());
        assert_eq!(report.accepted().count(), 5, "{path}: {}", report.to_text());
        assert_eq!(report.recognised[0].as_page, "machineaction.md");

        let text = mutate(&vendored(), "\"Isolate\", \"Unisolate\",", "\"Isolate\",");
        let report = check(&[(path, &text)]);
        assert_eq!(
            drift(&report),
            vec![(
                Kind::EnumValueRemoved,
                path.to_owned(),
                line_of(&text, "|type|Enum|"),
                "type/Unisolate".to_owned()
            )],
            "{}",
            report.to_text()
        );
    }
    // Without its title, by its property table.
    let text = mutate(&vendored(), "# MachineAction resource type", "# Actions");
    let text = mutate(&text, "title: machineAction resource type", "title: Actions");
    let report = check(&[("actions.md", &text)]);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert_eq!(report.recognised[0].by, vec!["property table"]);
}

#[test]
fn method_pages_are_recognised_by_their_content() {
    let original = method_page("isolate-machine.md");
    // By its request line, whatever the title and file name.
    let text = mutate(&original, "# Isolate machine API", "# Contain a device");
    let text = mutate(&text, "title: Isolate machine API", "title: Contain a device");
    let report = check(&[("pages/contain.md", &text)]);
    assert!(report.findings.is_empty(), "{}", report.to_text());
    assert_eq!(report.recognised[0].as_page, "isolate-machine.md");
    assert_eq!(report.recognised[0].by, vec!["request line"]);

    // By its title when the request line changed; the change is reported.
    let text = mutate(&original, "/api/machines/{id}/isolate\n", "/api/machines/{id}/contain\n");
    let path = "pages/isolate-machine-altered.md";
    let report = check(&[(path, &text)]);
    assert_eq!(
        drift(&report),
        vec![(
            Kind::PathChanged,
            path.to_owned(),
            line_of(&text, "{id}/contain"),
            "/api/machines/{}/contain".to_owned()
        )],
        "{}",
        report.to_text()
    );
    assert_eq!(report.recognised[0].by, vec!["title"]);

    // A verb change keeps the path's method.
    let text = mutate(
        &original,
        "POST https://api.security.microsoft.com/api/machines/{id}/isolate",
        "PUT https://api.security.microsoft.com/api/machines/{id}/isolate",
    );
    let report = check(&[("x.md", &text)]);
    assert_eq!(
        drift(&report),
        vec![(Kind::VerbChanged, "x.md".to_owned(), line_of(&text, "PUT https"), "PUT".to_owned())],
        "{}",
        report.to_text()
    );

    // Accepted differences follow the page, not its file name.
    let sas = method_page("get-package-sas-uri.md");
    let report = check(&[("copy-of-sas.md", &sas)]);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert_eq!(report.accepted().count(), 1, "{}", report.to_text());

    // Every fixture is recognised as itself under another name.
    for name in METHOD_PAGES {
        let report = check(&[("renamed.md", &method_page(name))]);
        assert_eq!(report.recognised[0].as_page, name, "{}", report.to_text());
        assert!(!report.has_drift(), "{name}: {}", report.to_text());
    }
}

#[test]
fn unrecognised_pages_in_a_folder_are_listed_as_skipped() {
    let resource = vendored();
    let iso = method_page("isolate-machine.md");
    let pages: Vec<Page> = [
        ("api/alerts.md", "---\ntitle: Alert resource type\n---\n# Alert resource type\n"),
        ("api/isolate-machine.md", iso.as_str()),
        ("api/machineaction.md", resource.as_str()),
    ]
    .iter()
    .map(|(path, text)| Page { path: (*path).to_owned(), text: (*text).to_owned() })
    .collect();
    let options = Options { skip_unrecognised: true, ..Options::default() };
    let report = docs_check::check_with(&spec_text(), &pages, &accepted_text(), &options)
        .unwrap_or_else(|e| panic!("input error: {e}"));
    assert!(!report.has_drift(), "{}", report.to_text());
    assert_eq!(report.pages, vec!["api/isolate-machine.md", "api/machineaction.md"]);
    assert_eq!(report.skipped, vec!["api/alerts.md"]);
    let text = report.to_text();
    assert!(text.contains("Skipped (not a MachineAction page) (1):\n  api/alerts.md\n"), "{text}");
    let json = report.to_json();
    assert_eq!(
        json["skipped"],
        serde_json::json!([{ "page": "api/alerts.md", "reason": "not a MachineAction page" }])
    );
    let outcome =
        docs_check::run_with(&spec_text(), &pages, &accepted_text(), &options, Format::Text);
    assert_eq!(outcome.status, EXIT_CLEAN, "{}", outcome.stdout);

    // A folder with no MachineAction page at all is unusable input.
    let only = &pages[..1];
    let outcome =
        docs_check::run_with(&spec_text(), only, &accepted_text(), &options, Format::Json);
    assert_eq!(outcome.status, EXIT_INPUT);
    assert!(
        outcome.stderr.contains("none of them a MachineAction or Machine page"),
        "{}",
        outcome.stderr
    );

    // A single page that is not recognised is an input error.
    let outcome = outcome_of(&pages[..1]);
    assert_eq!(outcome.status, EXIT_INPUT);
    assert!(
        outcome.stderr.contains("api/alerts.md is not a page docs-check knows"),
        "{}",
        outcome.stderr
    );
}

fn outcome_of(pages: &[Page]) -> docs_check::Outcome {
    docs_check::run(&spec_text(), pages, &accepted_text(), Format::Text)
}

#[test]
fn bad_limit_entries_exit_2() {
    let page = vendored();
    let cases = [
        (
            r#"{"limits": [{"page": "x.md", "limit": "a", "pattern": "up to", "value": "2", "reason": "r"}]}"#,
            "{n}",
        ),
        (
            r#"{"limits": [{"page": "x.md", "limit": "a", "pattern": "up to {n}", "value": "soon", "reason": "r"}]}"#,
            "`soon`",
        ),
        (
            r#"{"limits": [{"page": "x.md", "limit": "a", "pattern": "up to {n}", "value": "2", "reason": ""}]}"#,
            "`reason` is empty",
        ),
        (r#"{"accepted": [], "limit": []}"#, "unknown field `limit`"),
        (
            r#"{"limits": [{"page": "run-live-reponse.md", "limit": "a", "pattern": "up to {n}", "value": "2", "reason": "r"}]}"#,
            "`run-live-reponse.md` is not a page docs-check knows",
        ),
    ];
    for (accepted, expected) in cases {
        let result = outcome(&[(RESOURCE, &page)], accepted, Format::Text);
        assert_eq!(result.status, EXIT_INPUT, "{accepted}");
        assert!(result.stderr.contains(expected), "{accepted}: {}", result.stderr);
    }
}

// ---- Rendering, exit statuses, accepted-differences file ----

fn outcome(pages: &[(&str, &str)], accepted: &str, format: Format) -> docs_check::Outcome {
    let pages: Vec<Page> = pages
        .iter()
        .map(|(path, text)| Page { path: (*path).to_owned(), text: (*text).to_owned() })
        .collect();
    docs_check::run(&spec_text(), &pages, accepted, format)
}

#[test]
fn json_output_and_exit_status() {
    let clean = outcome(&[(RESOURCE, &vendored())], &accepted_text(), Format::Json);
    assert_eq!(clean.status, EXIT_CLEAN);
    let json: serde_json::Value =
        serde_json::from_str(&clean.stdout).expect("the JSON report parses");
    assert_eq!(json["status"], 0);
    assert_eq!(json["unexplained"], 0);
    assert_eq!(json["accepted"], 5);
    assert_eq!(json["pages"], serde_json::json!([RESOURCE]));
    let first = json["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["kind"] == "property-renamed"))
        .expect("the ID finding");
    assert_eq!(first["kind"], "property-renamed");
    assert_eq!(first["subject"], "ID");
    assert_eq!(first["page"], RESOURCE);
    assert!(first["line"].as_u64().is_some_and(|l| l > 1));
    assert!(first["accepted"].as_str().is_some_and(|r| !r.is_empty()));

    let text = mutate(&vendored(), "and \"Cancelled\".", "\"Cancelled\", and \"Expired\".");
    let drifted = outcome(&[(RESOURCE, &text)], &accepted_text(), Format::Json);
    assert_eq!(drifted.status, EXIT_DRIFT);
    let json: serde_json::Value =
        serde_json::from_str(&drifted.stdout).expect("the JSON report parses");
    assert_eq!(json["status"], 1);
    assert_eq!(json["unexplained"], 1);
    let finding = json["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["accepted"].is_null()))
        .expect("one unexplained finding");
    assert_eq!(finding["kind"], "enum-value-added");
    assert_eq!(finding["subject"], "status/Expired");
    assert_eq!(finding["line"], line_of(&text, "|status|Enum|"));

    let readable = outcome(&[(RESOURCE, &text)], &accepted_text(), Format::Text);
    assert_eq!(readable.status, EXIT_DRIFT);
    assert!(readable.stdout.contains(&format!(
        "{RESOURCE}:{}: enum-value-added `status/Expired`",
        line_of(&text, "|status|Enum|")
    )));
    assert!(
        readable.stdout.contains("DRIFT: 1 unexplained difference(s), 5 accepted."),
        "{}",
        readable.stdout
    );
}

#[test]
fn without_accepted_entries_every_difference_is_drift() {
    let result = outcome(&[(RESOURCE, &vendored())], "[]", Format::Text);
    assert_eq!(result.status, EXIT_DRIFT);
    assert!(
        result.stdout.contains("DRIFT: 5 unexplained difference(s), 0 accepted."),
        "{}",
        result.stdout
    );
}

/// An input `run` must refuse: the accepted-differences text, the pages, and a phrase its
/// message must contain.
struct BadInput<'a> {
    case: &'a str,
    accepted: &'a str,
    pages: Vec<(&'a str, &'a str)>,
    expected: &'a str,
}

#[test]
fn unreadable_input_exits_2_with_a_message() {
    let page = vendored();
    let resource = vec![(RESOURCE, page.as_str())];
    let cases = [
        BadInput {
            case: "not JSON",
            accepted: "{",
            pages: resource.clone(),
            expected: "docs-accepted.json",
        },
        BadInput {
            case: "unknown kind",
            accepted: r#"[{"page": "machineaction.md", "match": {"kind": "property-moved", "subject": "ID"}, "reason": "x"}]"#,
            pages: resource.clone(),
            expected: "unknown kind `property-moved`",
        },
        BadInput {
            case: "empty reason",
            accepted: r#"[{"page": "machineaction.md", "match": {"kind": "property-renamed", "subject": "ID"}, "reason": " "}]"#,
            pages: resource.clone(),
            expected: "`reason` is empty",
        },
        BadInput {
            case: "unknown member",
            accepted: r#"[{"page": "machineaction.md", "match": {"kind": "property-renamed", "subject": "ID"}, "reason": "x", "why": "y"}]"#,
            pages: resource.clone(),
            expected: "unknown field `why`",
        },
        BadInput {
            case: "unknown page",
            accepted: "[]",
            pages: vec![("docs/alerts.md", "# Alerts")],
            expected: "not a page docs-check knows",
        },
        BadInput { case: "no pages", accepted: "[]", pages: vec![], expected: "no pages" },
    ];
    for BadInput { case, accepted, pages, expected } in cases {
        let result = outcome(&pages, accepted, Format::Json);
        assert_eq!(result.status, EXIT_INPUT, "{case}");
        assert!(result.stderr.contains(expected), "{case}: {}", result.stderr);
        let json: serde_json::Value =
            serde_json::from_str(&result.stdout).expect("error JSON parses");
        assert_eq!(json["status"], 2, "{case}");
    }
    let pages = [Page { path: RESOURCE.to_owned(), text: page.clone() }];
    let broken_spec = docs_check::check("{\"$defs\": ", &pages, "[]");
    assert_eq!(docs_check::exit_status(&broken_spec), EXIT_INPUT);
    assert!(broken_spec.is_err_and(|e| e.message().contains("spec")));
}

#[test]
fn stale_accepted_entries_are_noted() {
    let text = mutate(&vendored(), "|ID|Guid|", "|id|Guid|");
    let report = check(&[(RESOURCE, &text)]);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].contains("property-renamed `ID`"), "{:?}", report.notes);
}

#[test]
fn page_names_follow_the_docs_urls() {
    let names = docs_check::page_names(&spec_text()).expect("the spec loads");
    assert_eq!(names[..2], ["machineaction.md", MACHINE]);
    for page in METHOD_PAGES.iter().chain(&MACHINE_METHOD_PAGES) {
        assert!(names.iter().any(|n| n == page), "{page} missing from {names:?}");
    }
    assert_eq!(names.len(), 20, "2 resource pages, 14 MachineAction and 4 Machine pages");
}

#[test]
fn messages_take_their_names_from_the_spec() {
    // The golden spec of an unrelated API, its docs URL pointed at its resource's page.
    let spec = mutate(
        &read(&fixture("golden/second_resource/spec.json")),
        "\"https://example.test/docs/library\"",
        "\"https://example.test/docs/libraryfile\"",
    );
    let page = |path: &str, text: &str| Page { path: path.to_owned(), text: text.to_owned() };
    let alerts = page("docs/alerts.md", "# Alert resource type\n");
    let resource = page("docs/libraryfile.md", "# LibraryFile resource type\n");
    let options = Options { skip_unrecognised: true, spec_name: Some("library.json".to_owned()) };

    let report = docs_check::check_with(&spec, &[alerts.clone(), resource.clone()], "[]", &options)
        .unwrap_or_else(|e| panic!("input error: {e}"));
    assert_eq!(report.skipped, vec!["docs/alerts.md"]);
    assert_eq!(report.skipped_reason(), "not a LibraryFile page");
    assert_eq!(drift(&report).first().map(|d| d.0), Some(Kind::TableMissing));
    let text = report.to_text();
    assert!(text.contains("Skipped (not a LibraryFile page) (1):\n  docs/alerts.md\n"), "{text}");
    assert!(text.contains("Update library.json to follow the pages"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("machineaction"), "{text}");
    assert_eq!(report.to_json()["skipped"][0]["reason"], "not a LibraryFile page");

    // Without a spec name, the advice names "the spec".
    let report = docs_check::check(&spec, std::slice::from_ref(&resource), "[]")
        .unwrap_or_else(|e| panic!("input error: {e}"));
    assert!(report.to_text().contains("Update the spec to follow the pages"), "{report:?}");

    // Input errors name the spec's resource too.
    let none = docs_check::check_with(&spec, std::slice::from_ref(&alerts), "[]", &options)
        .expect_err("no page of the spec's resource");
    assert!(none.message().contains("none of them a LibraryFile page"), "{none}");
    let unknown = docs_check::check(&spec, std::slice::from_ref(&alerts), "[]")
        .expect_err("a single page the check does not know");
    assert!(unknown.message().contains("names a resource page (LibraryFile)"), "{unknown}");
}

// ---- Robustness ----

#[test]
fn no_panic_on_any_page_text() {
    let mut texts: Vec<String> = vec![
        String::new(),
        "---".to_owned(),
        "---\ntitle: x\n".to_owned(),
        "```".to_owned(),
        "```json\n{".to_owned(),
        "```json\n".to_owned() + &"[".repeat(10_000),
        "```json\n\"\\ud800\"\n```".to_owned(),
        "|Property|Type|\n|---|---|\n|".to_owned(),
        "|Property|Type|Description|\n|---|---|---|\n|status|Enum|Possible values are: \"|\n".to_owned(),
        "|Property|Type|Description|\n|---|---|---|\n|x|Class|`a` `b ``c`` Enum `d` with the possible values: \"é\".|".to_owned(),
        "## HTTP request\n```http\nPOST\n```\n## Request body\n|Parameter|Type|Description|\n|-|-|-|\n|Comment||**Required**|\n- x\n**Comment** one of the following:\n- ü: é\n".to_owned(),
        "## HTTP request\n```http\nGET https://{<{<\n```\n1,,, calls per minute 99999999999999999999999 calls per hour".to_owned(),
        "\u{feff}# Título ✓\n\r\n| a | b |\r\n|:-:|:-:|\r\n| ✓ | é |\r\n".to_owned(),
        // Long cells full of unmatched delimiters must not take quadratic time.
        format!("|Property|Type|Description|\n|---|---|---|\n|status|Enum|Possible values are: {}|", "<[\"'**`(".repeat(20_000)),
        format!("## Request body\n|Parameter|Type|Description|\n|-|-|-|\n|Comment|String|{}|", "`a` ".repeat(20_000)),
        // `$filter` expressions, `$top` statements, value lists and limits cut short.
        "## Example\n```http\nGET https://h/api/machineactions?$filter='\n```\n".to_owned(),
        "## Example\n```http\nGET https://h/api/machineactions?$filter=(((status%2\n```\n".to_owned(),
        "## Example\n```http\nGET https://h/api/machineactions?$FILTER=é eq 'x''&$filter=9\n```\n".to_owned(),
        "`$top` max\n\n`$stop` with max value of".to_owned(),
        "Possible values are \"é\", \"Created\"\n\nPossible values for\n".to_owned(),
        "## Limitations\nqueued for up to\n\nconcurrently running sessions 99999999999999999999 hours".to_owned(),
        "---\ntitle: \"\n---\n# \n".to_owned(),
        "---\ntitle:\n".to_owned(),
    ];
    let page = vendored();
    let iso = method_page("isolate-machine.md");
    let live = method_page("run-live-response.md");
    let list = method_page("get-machineactions-collection.md");
    for source in [&page, &iso, &live, &list] {
        let cuts: Vec<usize> = source.char_indices().map(|(i, _)| i).step_by(61).collect();
        texts.extend(cuts.into_iter().map(|i| source[..i].to_owned()));
        texts.push(source.replace('|', "¦"));
        texts.push(source.replace('\n', "\r\n"));
        texts.push(source.replace("```", "~~~"));
    }
    let spec = spec_text();
    let accepted = accepted_text();
    for text in &texts {
        for path in [
            RESOURCE,
            "isolate-machine.md",
            "run-live-response.md",
            "get-live-response-result.md",
            "get-machineactions-collection.md",
        ] {
            let pages = [Page { path: path.to_owned(), text: text.clone() }];
            let result = docs_check::check(&spec, &pages, &accepted);
            assert!(result.is_ok(), "{path}: {result:?}");
        }
    }
}

// ---- Large pages ----

/// The findings as `(kind, line, subject, value, accepted)`, lines mapped by `line`.
fn findings_at(
    report: &Report,
    line: impl Fn(usize) -> usize,
) -> Vec<(Kind, usize, String, Option<String>, bool)> {
    report
        .findings
        .iter()
        .map(|f| (f.kind, line(f.line), f.subject.clone(), f.value.clone(), f.accepted.is_some()))
        .collect()
}

#[test]
fn a_page_of_40000_lines_reports_what_its_original_reports() {
    // A correctness test, not a timed one: `cargo bench -p tests --bench docs_check` measures.
    let live = mutate(
        &method_page("run-live-response.md"),
        "2. 50 concurrently running sessions",
        "2. 25 concurrently running sessions",
    );
    let live_path = method_path("run-live-response.md");
    let resource = vendored();
    for (path, original) in [(live_path.as_str(), &live), (RESOURCE, &resource)] {
        let large = grow(original, Size::lines(40_000).with_giant_line(4 * 1024 * 1024));
        assert_eq!(large.line_count(), 40_000, "{path}");
        assert!(large.text.len() > 4 * 1024 * 1024, "{path}");
        let small = check(&[(path, original)]);
        let big = check(&[(path, &large.text)]);
        assert!(!small.findings.is_empty(), "{path}");
        assert_eq!(
            findings_at(&big, |l| l),
            findings_at(&small, |l| large.line(l)),
            "{path}: the large page's findings are its original's, at the lines they moved to"
        );
        assert_eq!(big.notes, small.notes, "{path}");
        if path == live_path {
            // The one unexplained finding of the live response page, on its line.
            assert_eq!(
                drift(&big),
                vec![(
                    Kind::LimitChanged,
                    live_path.clone(),
                    large.line(line_of(&live, "25 concurrently")),
                    "concurrent sessions".to_owned()
                )]
            );
        }
    }

    // A page that is one line of 4 MB is read as the page its file name says, without a
    // request line.
    let report = check(&[("run-live-response.md", &one_line_page(4 * 1024 * 1024))]);
    assert_eq!(
        drift(&report),
        vec![(Kind::TableMissing, "run-live-response.md".to_owned(), 1, "HTTP request".to_owned())]
    );
}

#[test]
fn grown_pages_are_deterministic_and_exactly_sized() {
    let page = method_page("isolate-machine.md");
    let original_lines = page.lines().count();
    for lines in [original_lines, 1_000, 1_001, 5_000] {
        let large = grow(&page, Size::lines(lines));
        assert_eq!(large.line_count(), lines);
        assert_eq!(large, grow(&page, Size::lines(lines)));
        // Every original line is where the map says.
        let text: Vec<&str> = large.text.lines().collect();
        for (index, line) in page.lines().enumerate() {
            assert_eq!(text[large.line(index + 1) - 1], line);
        }
    }
    assert_eq!(grow(&page, Size::lines(10)).text, page);
    let large = grow(&page, Size::lines(2_000).with_giant_line(100_000));
    assert!(large.text.lines().any(|l| l.len() >= 100_000));
    assert!(large.text.matches("```json").count() > 5, "copies of the JSON example");
    assert!(one_line_page(10_000).len() >= 10_000);
    assert_eq!(one_line_page(10_000).lines().count(), 1);
}

// ---- Accepted limits name their value ----

/// `spec/docs-accepted.json` with one more accepted entry.
fn accepted_with(entry: &str) -> String {
    mutate(&accepted_text(), "\"accepted\": [\n", &format!("\"accepted\": [\n    {entry},\n"))
}

#[test]
fn an_accepted_limit_holds_for_its_documented_value_only() {
    let accepted = accepted_with(
        r#"{"page": "run-live-response.md", "match": {"kind": "limit-changed", "subject": "concurrent sessions", "value": "25"}, "reason": "An older revision of the page."}"#,
    );
    let path = method_path("run-live-response.md");
    let page = |sessions: &str| {
        mutate(
            &method_page("run-live-response.md"),
            "2. 50 concurrently running sessions",
            &format!("2. {sessions} concurrently running sessions"),
        )
    };
    let run = |text: &str| {
        let pages = [Page { path: path.clone(), text: text.to_owned() }];
        docs_check::check(&spec_text(), &pages, &accepted).unwrap_or_else(|e| panic!("{e}"))
    };

    // The page that states 25: accepted.
    let old = page("25");
    let report = run(&old);
    assert!(!report.has_drift(), "{}", report.to_text());
    let limit = report
        .findings
        .iter()
        .find(|f| f.kind == Kind::LimitChanged)
        .unwrap_or_else(|| panic!("{}", report.to_text()));
    assert_eq!(limit.line, line_of(&old, "25 concurrently"));
    assert_eq!(limit.value.as_deref(), Some("25"));
    assert_eq!(limit.accepted.as_deref(), Some("An older revision of the page."));

    // A page that states 30 is reported, and says which value is accepted.
    let new = page("30");
    let report = run(&new);
    assert_eq!(
        drift(&report),
        vec![(
            Kind::LimitChanged,
            path.clone(),
            line_of(&new, "30 concurrently"),
            "concurrent sessions".to_owned()
        )]
    );
    let finding = report.unexplained().next().expect("one finding");
    assert_eq!(finding.value.as_deref(), Some("30"));
    assert!(finding.message.contains("only for the documented value 25"), "{}", finding.message);
    assert!(
        report.notes.iter().any(|n| n.contains("limit-changed `concurrent sessions` = 25")),
        "{:?}",
        report.notes
    );
    let json = report.to_json();
    let finding = json["findings"]
        .as_array()
        .and_then(|all| all.iter().find(|f| f["kind"] == "limit-changed"))
        .expect("the finding in JSON");
    assert_eq!(finding["value"], "30");

    // The page the spec follows (50) needs no acceptance; the unused entry is noted.
    let report = run(&method_page("run-live-response.md"));
    assert!(!report.has_drift(), "{}", report.to_text());
    assert!(report.findings.iter().all(|f| f.kind != Kind::LimitChanged), "{}", report.to_text());
    assert!(
        report.notes.iter().any(|n| n.contains("no longer seen") && n.contains("= 25")),
        "{:?}",
        report.notes
    );

    // Durations compare by length, and a number without a unit is not a duration.
    let queued = |value: &str, stated: &str| {
        let accepted = accepted_with(&format!(
            r#"{{"page": "run-live-response.md", "match": {{"kind": "limit-changed", "subject": "offline queue time", "value": "{value}"}}, "reason": "r"}}"#
        ));
        let text = mutate(
            &method_page("run-live-response.md"),
            "queued for up to 2 hours",
            &format!("queued for up to {stated}"),
        );
        let pages = [Page { path: path.clone(), text }];
        let report =
            docs_check::check(&spec_text(), &pages, &accepted).unwrap_or_else(|e| panic!("{e}"));
        report.has_drift()
    };
    assert!(!queued("3 days", "three days"));
    assert!(!queued("3 days", "72 hours"));
    assert!(queued("3 days", "four days"));
    assert!(queued("3", "three days"));
}

#[test]
fn accepted_limits_must_name_their_value() {
    let page = method_page("run-live-response.md");
    let cases = [
        (
            r#"{"page": "run-live-response.md", "match": {"kind": "limit-changed", "subject": "concurrent sessions"}, "reason": "r"}"#,
            "`match.value` is missing",
        ),
        (
            r#"{"page": "isolate-machine.md", "match": {"kind": "limit-added", "subject": "per second"}, "reason": "r"}"#,
            "`match.value` is missing",
        ),
        (
            r#"{"page": "run-live-response.md", "match": {"kind": "limit-changed", "subject": "concurrent sessions", "value": "many"}, "reason": "r"}"#,
            "`match.value` `many` is not a number",
        ),
        (
            r#"{"page": "machineaction.md", "match": {"kind": "property-renamed", "subject": "ID", "value": "1"}, "reason": "r"}"#,
            "`match.value` is only for limit-changed and limit-added",
        ),
    ];
    for (entry, expected) in cases {
        let result = outcome(
            &[(&method_path("run-live-response.md"), &page)],
            &accepted_with(entry),
            Format::Text,
        );
        assert_eq!(result.status, EXIT_INPUT, "{entry}");
        assert!(result.stderr.contains(expected), "{entry}: {}", result.stderr);
    }
}

// ---- The readable report ----

#[test]
fn the_report_counts_accepted_differences_and_verbose_lists_them() {
    let texts: Vec<(String, String)> =
        METHOD_PAGES.iter().map(|n| (method_path(n), method_page(n))).collect();
    let resource = mutate(
        &vendored(),
        "\"TimeOut\", and \"Cancelled\".",
        "\"TimeOut\", \"Cancelled\", and \"Expired\".",
    );
    let mut pages: Vec<(&str, &str)> =
        texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    pages.push((RESOURCE, &resource));
    let report = check(&pages);
    let accepted_count = report.accepted().count();
    assert!(accepted_count > 10, "{}", report.to_text_verbose());

    let text = outcome(&pages, &accepted_text(), Format::Text).stdout;
    let verbose = outcome(&pages, &accepted_text(), Format::VerboseText).stdout;
    assert_eq!(text, report.to_text());
    assert_eq!(verbose, report.to_text_verbose());

    // Both give the drift in full.
    let status_line = line_of(&resource, "|status|Enum|");
    let drift = report.unexplained().next().expect("the added value");
    for out in [&text, &verbose] {
        assert!(
            out.contains(&format!("{RESOURCE}:{status_line}: enum-value-added `status/Expired`")),
            "{out}"
        );
        assert!(out.contains(&drift.message), "{out}");
        assert!(
            out.contains(&format!(
                "DRIFT: 1 unexplained difference(s), {accepted_count} accepted."
            )),
            "{out}"
        );
    }

    // The default report counts the accepted differences, one line per page, without reasons.
    assert!(
        text.contains(&format!(
            "\nAccepted differences ({accepted_count}; --verbose lists each with its reason):\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  {RESOURCE}: 5 (property-removed 2, property-renamed 2, property-retyped 1)\n"
        )),
        "{text}"
    );
    let summary: Vec<&str> = text
        .split("--verbose lists each with its reason):\n")
        .nth(1)
        .unwrap_or("")
        .lines()
        .take_while(|l| !l.is_empty())
        .collect();
    let pages_with_accepted: std::collections::BTreeSet<&str> =
        report.accepted().map(|f| f.page.as_str()).collect();
    assert_eq!(summary.len(), pages_with_accepted.len(), "{text}");
    for finding in report.accepted() {
        let reason = finding.accepted.as_deref().unwrap_or_default();
        assert!(!text.contains(reason), "a reason in the default report: {reason}");
        assert!(verbose.contains(&format!("      accepted: {reason}\n")), "{verbose}");
        assert!(verbose.contains(&format!(
            "{}:{}: {} `{}`",
            finding.page,
            finding.line,
            finding.kind.as_str(),
            finding.subject
        )));
    }

    // JSON keeps every finding with its reason.
    let json: serde_json::Value =
        serde_json::from_str(&outcome(&pages, &accepted_text(), Format::Json).stdout)
            .expect("the JSON report parses");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(report.findings.len()));
    assert_eq!(json["accepted"], accepted_count);
    assert!(json["findings"].as_array().into_iter().flatten().all(|f| f.get("value").is_some()));
}

// ---- The Machine pages ----

/// The file name of the Machine resource page fixture (`x-docsUrl` of `Machine`).
const MACHINE: &str = "machine.md";

/// The Machine lookups' page fixtures, in spec order.
const MACHINE_METHOD_PAGES: [&str; 4] = [
    "get-machines.md",
    "get-machine-by-id.md",
    "find-machines-by-ip.md",
    "find-machines-by-tag.md",
];

/// The Machine resource page and its lookups' pages, as `(display path, text)`.
fn machine_pages() -> Vec<(String, String)> {
    std::iter::once(MACHINE)
        .chain(MACHINE_METHOD_PAGES)
        .map(|name| (method_path(name), method_page(name)))
        .collect()
}

#[test]
fn machine_pages_are_recognised_and_every_difference_is_explained() {
    let texts = machine_pages();
    let pages: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let report = check(&pages);
    assert!(!report.has_drift(), "{}", report.to_text());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let as_pages: Vec<&str> = report.recognised.iter().map(|r| r.as_page.as_str()).collect();
    assert_eq!(
        as_pages,
        [
            MACHINE,
            MACHINE_METHOD_PAGES[0],
            MACHINE_METHOD_PAGES[1],
            MACHINE_METHOD_PAGES[2],
            MACHINE_METHOD_PAGES[3]
        ]
    );
    assert_eq!(report.recognised[0].by, vec!["title", "property table", "file name"]);
    for recognised in &report.recognised[1..] {
        assert_eq!(recognised.by.first(), Some(&"request line"), "{recognised:?}");
        assert_eq!(recognised.by.last(), Some(&"file name"), "{recognised:?}");
    }

    let accepted: Vec<(String, Kind, String)> = report
        .accepted()
        .map(|f| (f.page.rsplit('/').next().unwrap_or("").to_owned(), f.kind, f.subject.clone()))
        .collect();
    let out_of_scope = [
        "get-machine-log-on-users",
        "get-machine-related-alerts",
        "get-installed-software",
        "get-discovered-vulnerabilities",
        "get-security-recommendations",
        "add-or-remove-machine-tags",
        "get-missing-kbs-machine",
        "set-device-value",
        "update-machine-method",
    ];
    let mut expected: Vec<(&str, Kind, &str)> =
        out_of_scope.iter().map(|page| (MACHINE, Kind::MethodAdded, *page)).collect();
    expected.extend([
        (MACHINE, Kind::PropertyRenamed, "onboardingstatus"),
        (MACHINE, Kind::PropertyRetyped, "onboardingstatus"),
        (MACHINE, Kind::EnumValueRenamed, "onboardingstatus/onboarded"),
        (MACHINE, Kind::EnumValueAdded, "healthStatus/Unknown"),
        (MACHINE, Kind::PropertyRetyped, "rbacGroupId"),
        (MACHINE, Kind::PropertyRetyped, "aadDeviceId"),
        (MACHINE, Kind::PropertyRetyped, "osArchitecture"),
        (MACHINE, Kind::PropertyRemoved, "isAadJoined"),
        ("get-machines.md", Kind::FilterablePropertyAdded, "machineTags"),
        ("get-machines.md", Kind::ExampleUnparsable, "Response example, JSON block 1"),
        ("get-machine-by-id.md", Kind::ExampleUnparsable, "Response example, JSON block 1"),
    ]);
    let expected: Vec<(String, Kind, String)> =
        expected.iter().map(|(p, k, s)| ((*p).to_owned(), *k, (*s).to_owned())).collect();
    assert_eq!(accepted, expected, "{}", report.to_text_verbose());
}

#[test]
fn machine_page_mutations_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "a value added to a Machine enum",
            page: MACHINE,
            edits: &[("`Normal`, `Low`, and `High`", "`Normal`, `Low`, `High`, and `Critical`")],
            drift: &[(Kind::EnumValueAdded, "|deviceValue|", "deviceValue/Critical")],
        },
        Mutation {
            case: "a Machine property retyped",
            page: MACHINE,
            edits: &[("|lastSeen|DateTimeOffset|", "|lastSeen|String|")],
            drift: &[(Kind::PropertyRetyped, "|lastSeen|", "lastSeen")],
        },
        Mutation {
            case: "a Machine property the spec does not have",
            page: MACHINE,
            edits: &[(
                "|osPlatform|String|",
                "|isPotentialDuplication|Boolean|Whether the device may be a duplicate.|\n|osPlatform|String|",
            )],
            drift: &[(Kind::PropertyAdded, "|isPotentialDuplication|", "isPotentialDuplication")],
        },
        Mutation {
            case: "a lookup dropped from the Machine method table",
            page: MACHINE,
            edits: &[(
                "|[Get machine](get-machine-by-id.md)|[machine](machine.md)|Get a [machine](machine.md) by its identity.|\n",
                "",
            )],
            drift: &[(Kind::MethodRemoved, "(find-machines-by-ip.md)", "get-machine-by-id")],
        },
        Mutation {
            case: "the list page's path",
            page: "get-machines.md",
            edits: &[(
                "```http\nGET https://api.security.microsoft.com/api/machines\n```\n\n## Request headers",
                "```http\nGET https://api.security.microsoft.com/api/devices\n```\n\n## Request headers",
            )],
            drift: &[(Kind::PathChanged, "/api/devices", "/api/devices")],
        },
        Mutation {
            case: "the list page's $top maximum",
            page: "get-machines.md",
            edits: &[("`$top` with max value of 10,000.", "`$top` with max value of 1,000.")],
            drift: &[(Kind::LimitChanged, "max value of 1,000", "$top")],
        },
        Mutation {
            case: "a $filter on a property the list cannot filter on",
            page: "get-machines.md",
            edits: &[("$filter=computerDnsName eq", "$filter=firstSeen eq")],
            drift: &[(Kind::ExampleFilterInvalid, "$filter=firstSeen", "firstSeen")],
        },
        Mutation {
            case: "the by-id page's rate limit",
            page: "get-machine-by-id.md",
            edits: &[("100 calls per minute", "50 calls per minute")],
            drift: &[(Kind::LimitChanged, "50 calls per minute", "per minute")],
        },
        Mutation {
            case: "the by-IP function renamed",
            page: "find-machines-by-ip.md",
            edits: &[(
                "GET /api/machines/findbyip(ip='{IP}',timestamp={TimeStamp})",
                "GET /api/machines/findbyaddress(ip='{IP}',timestamp={TimeStamp})",
            )],
            drift: &[(
                Kind::PathChanged,
                "findbyaddress(ip='{IP}'",
                "/api/machines/findbyaddress(ip='{}',timestamp={})",
            )],
        },
        Mutation {
            case: "the by-tag lookup's verb",
            page: "find-machines-by-tag.md",
            edits: &[(
                "GET /api/machines/findbytag?tag={tag}",
                "POST /api/machines/findbytag?tag={tag}",
            )],
            drift: &[(Kind::VerbChanged, "POST /api", "POST")],
        },
    ]);
}

#[test]
fn each_resource_page_lists_its_own_methods() {
    // The MachineAction page does not list the lookups, and need not: they belong to Machine.
    let report = check(&[(RESOURCE, &vendored())]);
    assert!(!report.findings.iter().any(|f| f.kind == Kind::MethodRemoved), "{}", report.to_text());
    // A row naming another resource's method is no difference either.
    let original = vendored();
    let row = "|[Cancel machine action](cancel-machine-action.md)|[Machine Action](machineaction.md)|Cancel an active machine action.|\n";
    let text = mutate(
        &original,
        row,
        &format!(
            "{row}|[List machines](get-machines.md)|[machine](machine.md) collection|List machines.|\n"
        ),
    );
    let report = check(&[(RESOURCE, &text)]);
    assert!(!report.has_drift(), "{}", report.to_text());

    // The Machine page without its title is still recognised, by its property table.
    let machine = method_page(MACHINE);
    let text = mutate(&machine, "# Machine resource type", "# Devices");
    let text = mutate(&text, "title: Machine resource type", "title: Devices");
    let report = check(&[("devices.md", &text)]);
    assert_eq!(report.recognised[0].as_page, MACHINE);
    assert_eq!(report.recognised[0].by, vec!["property table"]);
    assert!(!report.has_drift(), "{}", report.to_text());

    // A lookup's page without the Machine page: the note names the missing page.
    let report = check(&[(&method_path("get-machines.md"), &method_page("get-machines.md"))]);
    assert_eq!(
        report.notes,
        vec![
            "the resource page machine.md was not among the pages; only its methods' pages were checked"
        ]
    );
}

#[test]
fn two_objects_cannot_claim_one_resource_page() {
    let spec = mutate(
        &spec_text(),
        "\"x-docsUrl\": \"https://learn.microsoft.com/en-us/defender-endpoint/api/machineaction\"",
        "\"x-docsUrl\": \"https://learn.microsoft.com/en-us/defender-endpoint/api/machine\"",
    );
    let pages = [Page { path: RESOURCE.to_owned(), text: vendored() }];
    let error = docs_check::check(&spec, &pages, &accepted_text()).expect_err("refused");
    assert_eq!(
        error.message(),
        "the spec's objects MachineAction and Machine both name the page machine.md as their x-docsUrl"
    );
}

// ----- permissions, platforms, statuses and $filter lists --------------------------------------

const ISOLATE_PAGE: &str = "isolate-machine.md";
const LIST_PAGE: &str = "get-machineactions-collection.md";
const LIVE_PAGE: &str = "run-live-response.md";
const SCAN_PAGE: &str = "run-av-scan.md";
const MACHINE_GET: &str = "get-machine-by-id.md";
const MACHINE_LIST: &str = "get-machines.md";
const MACHINE_BY_IP: &str = "find-machines-by-ip.md";

#[test]
fn permission_table_edits_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "an application permission the spec does not accept",
            page: ISOLATE_PAGE,
            edits: &[(
                "Application|Machine.Isolate|'Isolate machine'\n",
                "Application|Machine.Isolate|'Isolate machine'\nApplication|Machine.Scan|'Scan machine'\n",
            )],
            drift: &[(Kind::PermissionAdded, "Machine.Scan|", "application/Machine.Scan")],
        },
        Mutation {
            case: "a delegated permission gone from the table is reported at its header",
            page: ISOLATE_PAGE,
            edits: &[(
                "Delegated (work or school account)|Machine.Isolate|'Isolate machine'\n",
                "",
            )],
            drift: &[(
                Kind::PermissionRemoved,
                "Permission type|Permission|",
                "delegated/Machine.Isolate",
            )],
        },
        Mutation {
            case: "a renamed permission is one added and one removed",
            page: ISOLATE_PAGE,
            edits: &[("Application|Machine.Isolate|", "Application|Machine.Isolation|")],
            drift: &[
                (
                    Kind::PermissionRemoved,
                    "Permission type|Permission|",
                    "application/Machine.Isolate",
                ),
                (Kind::PermissionAdded, "Machine.Isolation", "application/Machine.Isolation"),
            ],
        },
        Mutation {
            case: "rows in another order, another capitalisation, extra spaces and a permission \
                   named in prose are no difference",
            page: ISOLATE_PAGE,
            edits: &[(
                "Application|Machine.Isolate|'Isolate machine'\nDelegated (work or school account)|Machine.Isolate|'Isolate machine'\n",
                "DELEGATED (work or school account) |  Machine.Isolate  | 'Isolate machine'\napplication | `Machine.Isolate` | 'Isolate machine'\n\nThe Machine.Scan permission does not let you isolate a device.\n",
            )],
            drift: &[],
        },
        Mutation {
            case: "a Permissions section without its table",
            page: ISOLATE_PAGE,
            edits: &[(
                "Permission type|Permission|Permission display name\n:---|:---|:---\nApplication|Machine.Isolate|'Isolate machine'\nDelegated (work or school account)|Machine.Isolate|'Isolate machine'\n",
                "Machine.Isolate, for applications and users alike.\n",
            )],
            drift: &[(Kind::TableMissing, "## Permissions", "Permissions")],
        },
        Mutation {
            case: "a run-together cell changed into one unknown name",
            page: "cancel-machine-action.md",
            edits: &[(
                "Machine.StopAndQuarantineMachine.LiveResponse",
                "Machine.StopAndQuarantine Machine.LiveResponses",
            )],
            drift: &[
                (
                    Kind::PermissionRemoved,
                    "|Permission type|Permission|",
                    "delegated/Machine.LiveResponse",
                ),
                (Kind::PermissionAdded, "Machine.LiveResponses", "delegated/Machine.LiveResponses"),
            ],
        },
        Mutation {
            case: "a Machine lookup gains a delegated permission",
            page: MACHINE_GET,
            edits: &[(
                "Delegated (work or school account)|Machine.ReadWrite|",
                "Delegated (work or school account)|Machine.ReadWrite <br> Machine.ReadWrite.All|",
            )],
            drift: &[(
                Kind::PermissionAdded,
                "Machine.ReadWrite <br>",
                "delegated/Machine.ReadWrite.All",
            )],
        },
        Mutation {
            case: "a Machine lookup loses an application permission",
            page: MACHINE_GET,
            edits: &[("Application|Machine.Read.All|'Read all machine profiles'\n", "")],
            drift: &[(
                Kind::PermissionRemoved,
                "Permission type|Permission|",
                "application/Machine.Read.All",
            )],
        },
    ]);
}

#[test]
fn platform_statement_edits_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "an OS the spec does not list",
            page: ISOLATE_PAGE,
            edits: &[(
                "> - Selective isolation needs",
                "> - Full isolation also works on macOS 14 and later.\n> - Selective isolation needs",
            )],
            drift: &[(Kind::PlatformAdded, "also works on macOS", "macOS")],
        },
        Mutation {
            case: "an OS of the spec no longer named is reported at the first OS the page names",
            page: ISOLATE_PAGE,
            edits: &[(
                "> - Full isolation works on every supported Linux device. See [Defender for Endpoint on Linux](/defender-endpoint/microsoft-defender-endpoint-linux).\n",
                "",
            )],
            drift: &[(Kind::PlatformRemoved, "running Windows 10, version 1703", "Linux")],
        },
        Mutation {
            case: "an OS the page says is not supported",
            page: ISOLATE_PAGE,
            edits: &[(
                "> - Full isolation works on every supported Linux device. See [Defender for Endpoint on Linux](/defender-endpoint/microsoft-defender-endpoint-linux).\n",
                "> - Isolation isn't supported on Linux devices.\n",
            )],
            drift: &[(Kind::PlatformRemoved, "supported on Linux", "Linux")],
        },
        Mutation {
            case: "a minimum version the spec does not have",
            page: ISOLATE_PAGE,
            edits: &[("Windows 10, version 1703", "Windows 10, version 1809")],
            drift: &[(Kind::PlatformChanged, "version 1809", "Windows 10 1809")],
        },
        Mutation {
            case: "a spec version the page no longer states",
            page: ISOLATE_PAGE,
            edits: &[("Windows 10, version 1703, and on Windows 11", "Windows 11")],
            drift: &[(Kind::PlatformChanged, "version 1709 or later", "Windows 10 1703")],
        },
        Mutation {
            case: "the same platforms phrased differently",
            page: ISOLATE_PAGE,
            edits: &[
                (
                    "running Windows 10, version 1703, and on Windows 11",
                    "running windows 10 version 1703 or newer, and WINDOWS 11",
                ),
                (
                    "needs Windows 10, version 1709 or later",
                    "needs Windows 10 (version 1709 and later)",
                ),
                ("every supported Linux device", "all supported Linux distributions"),
            ],
            drift: &[],
        },
        Mutation {
            case: "a minimum version stated by the oldest nested item",
            page: LIVE_PAGE,
            edits: &[("[Version 1709 (RS 3)]", "[Version 1803 (RS 4)]")],
            drift: &[(Kind::PlatformChanged, "**Windows 10**", "Windows 10 1803")],
        },
        Mutation {
            case: "a nested item that is no older changes nothing",
            page: LIVE_PAGE,
            edits: &[("      - 13 (Ventura)\n", "      - 14 (Sonoma)\n      - 13 (Ventura)\n")],
            drift: &[],
        },
        Mutation {
            case: "a Windows list gone from the scan page",
            page: SCAN_PAGE,
            edits: &[(
                "devices with Windows 10, version  1709 or later, and on Windows 11",
                "devices with Windows 11",
            )],
            drift: &[(Kind::PlatformRemoved, "devices with Windows 11", "Windows 10")],
        },
        Mutation {
            case: "OS names in the text of links name articles, not platforms",
            page: ISOLATE_PAGE,
            edits: &[
                (
                    "version 1709 or later, or Windows 11.",
                    "version 1709 or later, or Windows 11. For servers, see [Onboard Windows Server 2025 and macOS devices](/defender-endpoint/onboard-server).",
                ),
                (
                    "> - Selective isolation needs",
                    "> - See also [Run scans on Windows Server 2022](/defender-endpoint/run-scans).\n> - Selective isolation needs",
                ),
            ],
            drift: &[],
        },
        Mutation {
            case: "an OS the sentence after the version denies, on the same line",
            page: SCAN_PAGE,
            edits: &[(
                "version  1709 or later, and on Windows 11.",
                "version  1709 or later. Windows 11 is not supported.",
            )],
            drift: &[(Kind::PlatformRemoved, "Windows 11 is not supported", "Windows 11")],
        },
        Mutation {
            case: "a link to another article naming an OS is no statement",
            page: "get-package-sas-uri.md",
            edits: &[(
                "## Example\n",
                "## Related articles\n\n- [Defender for Endpoint on Linux](/defender-endpoint/microsoft-defender-endpoint-linux)\n\n## Example\n",
            )],
            drift: &[],
        },
        Mutation {
            case: "a Machine lookup page naming platforms the spec does not list",
            page: MACHINE_LIST,
            edits: &[(
                "Supports [OData V4 queries]",
                "Devices on Windows 11 and macOS are listed.\n\nSupports [OData V4 queries]",
            )],
            drift: &[
                (Kind::PlatformAdded, "Devices on Windows 11", "Windows 11"),
                (Kind::PlatformAdded, "Devices on Windows 11", "macOS"),
            ],
        },
    ]);
}

#[test]
fn response_statement_edits_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "a success status that became another",
            page: ISOLATE_PAGE,
            edits: &[("returns 201 - Created", "returns 202 - Accepted")],
            drift: &[(Kind::SuccessStatusChanged, "returns 202", "202")],
        },
        Mutation {
            case: "a Machine lookup's success status changed",
            page: MACHINE_GET,
            edits: &[("device exists - 200 OK", "device exists - 204 No Content")],
            drift: &[(Kind::SuccessStatusChanged, "204 No Content", "204")],
        },
        Mutation {
            case: "another status the spec also counts as success is no difference",
            page: LIVE_PAGE,
            edits: &[("returns `201 Created`", "returns `200 OK`")],
            drift: &[],
        },
        Mutation {
            case: "a failure the spec does not document",
            page: ISOLATE_PAGE,
            edits: &[(
                "in the response body.\n",
                "in the response body. If the device was never onboarded, this returns 404 Not Found.\n",
            )],
            drift: &[(Kind::ErrorAdded, "never onboarded", "404")],
        },
        Mutation {
            case: "an error code the spec does not document for that status",
            page: LIVE_PAGE,
            edits: &[("HTTP 400 - ActiveRequestAlreadyExists", "HTTP 400 - SessionAlreadyRunning")],
            drift: &[(Kind::ErrorAdded, "SessionAlreadyRunning", "400 SessionAlreadyRunning")],
        },
        Mutation {
            case: "the same failure in other words is no difference",
            page: SCAN_PAGE,
            edits: &[("or HTTP 400 with the message", "or status code 400 with the message")],
            drift: &[],
        },
        Mutation {
            case: "numbers that are not statuses are no statement",
            page: ISOLATE_PAGE,
            edits: &[(
                "Cuts a device off the network.",
                "Cuts a device off the network; about 404 devices can be isolated per minute.",
            )],
            drift: &[],
        },
    ]);
}

#[test]
fn filter_list_edits_show_exactly_their_difference() {
    expect_mutations(&[
        Mutation {
            case: "a filterable property gone from the list",
            page: LIST_PAGE,
            edits: &[("`requestor`, ", "")],
            drift: &[(Kind::FilterablePropertyRemoved, "query is supported on", "requestor")],
        },
        Mutation {
            case: "a property the spec does not mark filterable",
            page: LIST_PAGE,
            edits: &[("`requestor`, ", "`requestor`, `title`, ")],
            drift: &[(Kind::FilterablePropertyAdded, "query is supported on", "title")],
        },
        Mutation {
            case: "operators stated for one property",
            page: LIST_PAGE,
            edits: &[("`status`, ", "`status` (`eq`, `gt`), ")],
            drift: &[
                (Kind::FilterOperatorAdded, "query is supported on", "status/gt"),
                (Kind::FilterOperatorRemoved, "query is supported on", "status/in"),
                (Kind::FilterOperatorRemoved, "query is supported on", "status/ne"),
            ],
        },
        Mutation {
            case: "the list in another order is no difference",
            page: LIST_PAGE,
            edits: &[("`id`, `status`, `machineId`", "`machineId`, `status`, `id`")],
            drift: &[],
        },
        Mutation {
            case: "a Machine property gone from the list",
            page: MACHINE_LIST,
            edits: &[("`osPlatform`, ", "")],
            drift: &[(Kind::FilterablePropertyRemoved, "query is supported on", "osPlatform")],
        },
        Mutation {
            case: "operators that are the spec's are no difference",
            page: MACHINE_LIST,
            edits: &[("`lastSeen`, ", "`lastSeen` (`eq`, `ne`, `gt`, `ge`, `lt`, `le`), ")],
            drift: &[],
        },
        Mutation {
            case: "operators stated for the whole list",
            page: MACHINE_LIST,
            edits: &[(
                "`riskScore`, and `rbacGroupId`.",
                "`riskScore`, and `rbacGroupId`.\nEach of them supports the operators `eq` and `ne`.",
            )],
            drift: &[
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/ge"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/gt"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/le"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/lt"),
            ],
        },
        Mutation {
            case: "the English word in is no operator",
            page: MACHINE_LIST,
            edits: &[(
                "`riskScore`, and `rbacGroupId`.",
                "`riskScore`, and `rbacGroupId`.\nThe operators `eq` and `ne` are supported in every filter.",
            )],
            drift: &[
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/ge"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/gt"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/le"),
                (Kind::FilterOperatorRemoved, "query is supported on", "lastSeen/lt"),
            ],
        },
        Mutation {
            case: "operators written before the word operators, in the statement's sentence",
            page: LIST_PAGE,
            edits: &[(
                "`creationDateTimeUtc` properties.",
                "`creationDateTimeUtc` properties, with the `eq` and `ne` operators.",
            )],
            drift: LIST_EQ_NE_ONLY,
        },
        Mutation {
            case: "operators written before the word operators, in the next sentence",
            page: LIST_PAGE,
            edits: &[(
                "`creationDateTimeUtc` properties.",
                "`creationDateTimeUtc` properties.\nOnly the `eq` and `ne` operators are supported.",
            )],
            drift: LIST_EQ_NE_ONLY,
        },
        Mutation {
            case: "operators after a colon",
            page: LIST_PAGE,
            edits: &[(
                "`creationDateTimeUtc` properties.",
                "`creationDateTimeUtc` properties. Supported operators: `eq` and `ne`.",
            )],
            drift: LIST_EQ_NE_ONLY,
        },
    ]);
}

/// What the list page gives when it allows only `eq` and `ne` for every property.
const LIST_EQ_NE_ONLY: &[(Kind, &str, &str)] = &[
    (Kind::FilterOperatorRemoved, "query is supported on", "creationDateTimeUtc/ge"),
    (Kind::FilterOperatorRemoved, "query is supported on", "creationDateTimeUtc/gt"),
    (Kind::FilterOperatorRemoved, "query is supported on", "creationDateTimeUtc/le"),
    (Kind::FilterOperatorRemoved, "query is supported on", "creationDateTimeUtc/lt"),
    (Kind::FilterOperatorRemoved, "query is supported on", "id/in"),
    (Kind::FilterOperatorRemoved, "query is supported on", "machineId/in"),
    (Kind::FilterOperatorRemoved, "query is supported on", "requestor/in"),
    (Kind::FilterOperatorRemoved, "query is supported on", "status/in"),
    (Kind::FilterOperatorRemoved, "query is supported on", "type/in"),
];

/// Each new kind of difference can be accepted per value, and an entry accepts only its own.
#[test]
fn new_kinds_are_accepted_per_value() {
    let original = method_page(ISOLATE_PAGE);
    let text = mutate(
        &original,
        "Application|Machine.Isolate|'Isolate machine'\n",
        "Application|Machine.Isolate|'Isolate machine'\nApplication|Machine.Scan|'Scan machine'\nApplication|Machine.Offboard|'Offboard machine'\n",
    );
    let entry = r#"{
      "page": "isolate-machine.md",
      "match": { "kind": "permission-added", "subject": "application/Machine.Scan" },
      "reason": "A test reason."
    }"#;
    let pages = [Page { path: method_path(ISOLATE_PAGE), text }];
    let report = docs_check::check(&spec_text(), &pages, &accepted_with(entry)).expect("report");
    let accepted: Vec<&str> = report.accepted().map(|f| f.subject.as_str()).collect();
    let unexplained: Vec<&str> = report.unexplained().map(|f| f.subject.as_str()).collect();
    assert_eq!(accepted, ["application/Machine.Scan"]);
    assert_eq!(unexplained, ["application/Machine.Offboard"]);
}

/// Every new kind has its kebab-case name and parses back.
#[test]
fn new_kinds_have_their_names() {
    let names = [
        (Kind::PermissionAdded, "permission-added"),
        (Kind::PermissionRemoved, "permission-removed"),
        (Kind::PlatformAdded, "platform-added"),
        (Kind::PlatformRemoved, "platform-removed"),
        (Kind::PlatformChanged, "platform-changed"),
        (Kind::SuccessStatusChanged, "success-status-changed"),
        (Kind::ErrorAdded, "error-added"),
        (Kind::ErrorRemoved, "error-removed"),
        (Kind::FilterablePropertyAdded, "filterable-property-added"),
        (Kind::FilterablePropertyRemoved, "filterable-property-removed"),
        (Kind::FilterOperatorAdded, "filter-operator-added"),
        (Kind::FilterOperatorRemoved, "filter-operator-removed"),
    ];
    for (kind, name) in names {
        assert_eq!(kind.as_str(), name);
        assert_eq!(Kind::parse(name), Some(kind));
    }
}

/// 1-based line of the `## Response` heading (the pages also have `### Response` headings).
fn response_heading(text: &str) -> usize {
    text.lines().position(|l| l.trim() == "## Response").expect("## Response") + 1
}

#[test]
fn a_failure_no_longer_stated_is_reported_at_the_response_heading() {
    let text = mutate(
        &method_page(MACHINE_BY_IP),
        "past 30 days - 400 Bad Request",
        "past 30 days - 422 Bad Request",
    );
    let (heading, stated) = (response_heading(&text), line_of(&text, "422 Bad Request"));
    expect_method_drift(
        MACHINE_BY_IP,
        &text,
        &[(Kind::ErrorRemoved, heading, "400"), (Kind::ErrorAdded, stated, "422")],
    );

    let text = mutate(
        &method_page(MACHINE_GET),
        " If machine with the specified ID wasn't found - 404 Not Found.",
        "",
    );
    let heading = response_heading(&text);
    expect_method_drift(
        MACHINE_GET,
        &text,
        &[(Kind::ErrorRemoved, heading, "404 ResourceNotFound")],
    );

    let text = mutate(
        &method_page(LIVE_PAGE),
        "HTTP 400 - ActiveRequestAlreadyExists",
        "HTTP 409 - ActiveRequestAlreadyExists",
    );
    let (heading, stated) = (response_heading(&text), line_of(&text, "HTTP 409"));
    expect_method_drift(
        LIVE_PAGE,
        &text,
        &[
            (Kind::ErrorAdded, stated, "409 ActiveRequestAlreadyExists"),
            (Kind::ErrorRemoved, heading, "400 ActiveRequestAlreadyExists"),
        ],
    );
}
