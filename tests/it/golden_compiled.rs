//! The generator goldens compile, and the code in them behaves as the spec dialect promises.
//!
//! Each golden case is a crate of the workspace (`tests/fixtures/golden/<case>/`, written by
//! `cargo xtask codegen` and compiled against the runtime crate as the SDK is), used here: unknown values of
//! open enums are kept, closed enums refuse them, keyword-named members round-trip, wire
//! aliases are written back as they came, `new(...)` takes exactly the plain (required,
//! non-null) fields, and the operation constants, clouds and typed filters carry what each
//! spec says.

use serde_json::{Value, json};

use golden_enums as enums;
use golden_keywords as keywords;
use golden_nested as nested;
use golden_nullable_optional as nullable_optional;
use golden_odata_path as odata_path;
use golden_second_resource as second_resource;

/// A client of a golden crate for tests that only build calls (nothing listens on port 9).
macro_rules! offline_client {
    ($case:ident) => {
        $case::client::Client::builder()
            .base_url("http://127.0.0.1:9")
            .bearer_token("token")
            .build()
            .expect("a client")
    };
}

/// Deserializes `json` as `T`, panicking with the serde error.
#[track_caller]
fn parse<T: serde::de::DeserializeOwned>(json: &Value) -> T {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("cannot parse {json}: {e}"))
}

/// The serde error for `json` as `T`, panicking if it parses.
#[track_caller]
fn parse_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &Value) -> String {
    match serde_json::from_value::<T>(json.clone()) {
        Ok(value) => panic!("{json} should not parse, but gave {value:?}"),
        Err(e) => e.to_string(),
    }
}

/// Serializes `value` to a JSON tree.
#[track_caller]
fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("cannot serialize: {e}"))
}

/// Parses `json` as `T` and checks that serializing it gives back the same JSON.
#[track_caller]
fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(json: &Value) -> T {
    let value: T = parse(json);
    assert_eq!(&to_json(&value), json, "round trip changed the JSON");
    value
}

/// Compile-time check that a closed enum stays `Copy`.
fn assert_copy<T: Copy>() {}

mod enums_behaviour {
    use super::enums::models::{
        Channel, CreateTicketRequest, Label, Priority, Ticket, TicketState,
    };
    use super::*;

    #[test]
    fn enum_reachable_from_a_response_keeps_unknown_values() {
        let json = json!({"id": "t1", "state": "Archived", "labels": ["bug", "feature"]});
        let ticket: Ticket = round_trip(&json);
        assert_eq!(ticket.state, TicketState::Unknown("Archived".to_owned()));
        assert!(!ticket.state.is_known());
        assert_eq!(ticket.state.as_str(), "Archived");
        assert_eq!(
            ticket.labels,
            Some(vec![Label::Bug, Label::Unknown("feature".to_owned())]),
            "an enum reached only through an array is open too"
        );
        assert!(TicketState::InProgress.is_known());
        assert_eq!("Closed".parse(), Ok(TicketState::Closed));
    }

    #[test]
    fn closed_request_enum_refuses_unknown_values_and_lists_the_known_ones() {
        assert_copy::<Priority>();
        let error =
            parse_error::<CreateTicketRequest>(&json!({"Title": "t", "Priority": "Urgent"}));
        assert!(
            error.contains("unknown Priority value `Urgent`; expected one of: Low, Normal, High"),
            "{error}"
        );
        let error = "Urgent".parse::<Priority>().expect_err("Urgent is not a Priority");
        assert_eq!(error.expected, ["Low", "Normal", "High"]);
        assert_eq!(error.value, "Urgent");
        assert_eq!(Priority::KNOWN, [Priority::Low, Priority::Normal, Priority::High]);
    }

    #[test]
    fn extensible_enum_is_open_even_in_a_request() {
        let request: CreateTicketRequest =
            round_trip(&json!({"Title": "t", "Priority": "High", "Channel": "Fax"}));
        assert_eq!(request.channel, Some(Channel::Unknown("Fax".to_owned())));
        assert_eq!(request.priority, Priority::High);
    }

    #[test]
    fn closed_request_object_refuses_unknown_members() {
        let error = parse_error::<CreateTicketRequest>(
            &json!({"Title": "t", "Priority": "Low", "title": "x"}),
        );
        assert!(error.contains("unknown field `title`"), "{error}");
        let built = CreateTicketRequest::new("Printer on fire", Priority::High)
            .with_channel(Channel::Phone);
        assert_eq!(
            to_json(&built),
            json!({"Title": "Printer on fire", "Priority": "High", "Channel": "Phone"})
        );
    }
}

mod nullable_optional_behaviour {
    use super::nullable_optional::models::{Owner, Record, UpdateRecordRequest};
    use super::*;
    use mde_machine_actions::Timestamp;

    #[test]
    fn new_takes_exactly_the_required_non_null_fields() {
        let created: Timestamp = "2024-05-06T07:08:09.1234567Z".parse().expect("valid timestamp");
        let record = Record::new("r", true, created, vec!["a".to_owned()], 42_i64);
        // Required members are always written, as null when they are empty; optional members
        // are left out.
        assert_eq!(
            to_json(&record),
            json!({
                "name": "r",
                "note": null,
                "active": true,
                "createdAt": "2024-05-06T07:08:09.1234567Z",
                "owner": null,
                "tags": ["a"],
                "aliases": null,
                "size": 42
            })
        );
        let request = UpdateRecordRequest::new("n");
        assert_eq!(to_json(&request), json!({"name": "n", "note": null}));
        let request =
            request.with_count(3).with_owner(Owner::new("o")).with_tags(vec!["t".to_owned()]);
        assert_eq!(
            to_json(&request),
            json!({"name": "n", "note": null, "count": 3, "owner": {"name": "o"}, "tags": ["t"]})
        );
    }

    #[test]
    fn field_types_follow_required_and_nullable() {
        let json = json!({
            "name": "r",
            "note": "n",
            "count": 7,
            "score": 0.5,
            "active": false,
            "createdAt": "2024-05-06T07:08:09Z",
            "owner": {"name": "o"},
            "previousOwner": {"name": "p"},
            "tags": [],
            "history": ["2024-01-01T00:00:00Z"],
            "aliases": ["x"],
            "size": 9_007_199_254_740_993_i64
        });
        let record: Record = round_trip(&json);
        // Each binding states the Rust type the field must have.
        let _: &String = &record.name;
        let _: &Option<String> = &record.note;
        let _: &Option<i32> = &record.count;
        let _: &Option<f64> = &record.score;
        let _: &bool = &record.active;
        let _: &Timestamp = &record.created_at;
        let _: &Option<Owner> = &record.owner;
        let _: &Option<Owner> = &record.previous_owner;
        let _: &Vec<String> = &record.tags;
        let _: &Option<Vec<Timestamp>> = &record.history;
        let _: &Option<Vec<String>> = &record.aliases;
        let size: i64 = record.size;
        assert_eq!(size, 9_007_199_254_740_993);
        assert_eq!(record.owner.as_ref().map(|o| o.name.as_str()), Some("o"));
    }

    #[test]
    fn nulls_are_accepted_where_the_spec_allows_them_only() {
        let base = json!({
            "name": "r", "note": null, "active": true, "createdAt": "2024-05-06T07:08:09Z",
            "owner": null, "previousOwner": null, "score": null, "tags": [], "aliases": null, "size": 1
        });
        let record: Record = parse(&base);
        assert_eq!(
            (record.note, record.owner, record.score, record.aliases),
            (None, None, None, None)
        );

        let mut null_name = base.clone();
        null_name["name"] = Value::Null;
        let error = parse_error::<Record>(&null_name);
        assert!(error.contains("invalid type: null, expected a string"), "{error}");

        let mut missing = base;
        missing.as_object_mut().expect("object").remove("createdAt");
        let error = parse_error::<Record>(&missing);
        assert!(error.contains("missing field `createdAt`"), "{error}");
    }
}

mod keywords_behaviour {
    use super::keywords::models::{Kind, Token, TokenQuery};
    use super::keywords::operations;
    use super::*;

    #[test]
    fn keyword_members_arrive_in_raw_and_suffixed_fields() {
        let json = json!({
            "type": "Self",
            "match": "fn main",
            "self": "https://example.test/tokens/1",
            "fn": "main",
            "async": true,
            "later": 1
        });
        let token: Token = round_trip(&json);
        assert_eq!(token.r#type, Kind::Self_);
        assert_eq!(token.r#match, "fn main");
        assert_eq!(token.self_.as_deref(), Some("https://example.test/tokens/1"));
        assert_eq!(token.r#fn.as_deref(), Some("main"));
        assert_eq!(token.r#async, Some(true));
        assert_eq!(token.extra.get("later"), Some(&json!(1)));
    }

    #[test]
    fn keyword_enum_values_map_to_escaped_variants() {
        for (wire, kind) in [("Self", Kind::Self_), ("type", Kind::Type), ("async", Kind::Async)] {
            assert_eq!(wire.parse::<Kind>(), Ok(kind.clone()));
            assert_eq!(kind.as_str(), wire);
            assert_eq!(to_json(&kind), json!(wire));
        }
        assert_eq!(
            "Type".parse::<Kind>(),
            Ok(Kind::Unknown("Type".to_owned())),
            "values are case-sensitive"
        );
    }

    #[test]
    fn keyword_members_are_written_under_their_wire_names() {
        let query = TokenQuery::new(Kind::Type)
            .with_match("m")
            .with_self_("s")
            .with_fn("f")
            .with_async(false);
        let json = to_json(&query);
        assert_eq!(
            json,
            json!({"type": "type", "match": "m", "self": "s", "fn": "f", "async": false})
        );
        assert_eq!(parse::<TokenQuery>(&json), query);
        let token = Token::new(Kind::Normal, "x");
        assert_eq!(to_json(&token), json!({"type": "Normal", "match": "x"}));
    }

    #[test]
    fn keyword_query_parameter_and_path_parameter() {
        let client = offline_client!(keywords);
        let body = TokenQuery::new(Kind::Type);
        let call = client.find_tokens("main", &body).r#type(Kind::Async);
        let shown = format!("{call:?}");
        assert!(shown.contains("Some(Async)") && shown.contains("\"main\""), "{shown}");
        assert_eq!(operations::FIND_TOKENS.path, "/api/refs/{ref}/tokens");
    }
}

mod nested_behaviour {
    use super::nested::models::{Cell, Report, Section};
    use super::*;

    fn report(display_name_key: &str, formula_key: &str) -> Value {
        let mut json = json!({
            "section": {"title": "s", "cell": {"value": 1.5, "deeper": {"kept": true}}},
            "rows": [{"value": 1.0}, {"value": 2.0}],
            "grid": [[1, 2], [], [3]],
            "sheets": [[{"value": 3.0}], []],
            "payload": {"any": ["json", 1, null]},
            "meta": "just a string"
        });
        json[display_name_key] = json!("Quarterly");
        json["rows"][1][formula_key] = json!("=A1*2");
        json
    }

    #[test]
    fn three_levels_and_nested_arrays_round_trip() {
        let report: Report = round_trip(&report("displayName", "formula"));
        assert_eq!(report.section.cell.value, 1.5);
        assert_eq!(report.section.cell.extra.get("deeper"), Some(&json!({"kept": true})));
        assert_eq!(report.grid, Some(vec![vec![1, 2], vec![], vec![3]]));
        assert_eq!(report.sheets.as_ref().map(|s| s[0][0].value), Some(3.0));
        assert_eq!(report.payload, Some(json!({"any": ["json", 1, null]})));
        assert_eq!(report.meta, Some(json!("just a string")));
    }

    #[test]
    fn aliases_are_accepted_and_written_back_under_the_name_that_came_in() {
        for (display_name_key, formula_key) in
            [("displayName", "formula"), ("DisplayName", "expr"), ("display_name", "expr")]
        {
            let report: Report = round_trip(&report(display_name_key, formula_key));
            assert_eq!(report.display_name, "Quarterly", "via {display_name_key}");
            let rows = report.rows.as_ref().expect("rows");
            assert_eq!(rows[1].formula.as_deref(), Some("=A1*2"), "via {formula_key}");
        }
    }

    #[test]
    fn values_built_in_code_use_the_canonical_names() {
        let cell = Cell::new(2.0).with_formula("=1+1");
        let report = Report::new(Section::new(cell), "R").with_grid(vec![vec![7]]);
        assert_eq!(
            to_json(&report),
            json!({
                "section": {"cell": {"value": 2.0, "formula": "=1+1"}},
                "grid": [[7]],
                "displayName": "R",
                "meta": null
            })
        );
    }
}

mod odata_path_behaviour {
    use std::time::Duration;

    use super::odata_path::client::{Cloud, ThingFilter};
    use super::odata_path::models::{
        ErrorBody, ResultLink, Thing, ThingCollection, ThingId, ThingStatus,
    };
    use super::odata_path::operations;
    use super::*;
    use mde_machine_actions::Timestamp;

    #[test]
    fn odata_members_and_collections() {
        let json = json!({
            "@odata.context": "https://api.example.test/$metadata#Things",
            "value": [
                {"id": "a", "status": "Ready", "createdAt": "2024-01-02T03:04:05.6Z", "resultCount": 2},
                {"id": "b", "status": "Sleeping", "createdAt": "2024-01-02T03:04:05+02:00"}
            ],
            "@odata.nextLink": "https://api.example.test/api/things?$skip=2"
        });
        let page: ThingCollection = round_trip(&json);
        assert_eq!(
            page.odata_context.as_deref(),
            Some("https://api.example.test/$metadata#Things")
        );
        assert_eq!(
            page.odata_next_link.as_deref(),
            Some("https://api.example.test/api/things?$skip=2")
        );
        let ids: Vec<&str> = page.value.iter().map(|t: &Thing| t.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(page.value[1].status, ThingStatus::Unknown("Sleeping".to_owned()));
        assert_eq!(page.value[1].created_at.as_str(), "2024-01-02T03:04:05+02:00");
    }

    #[test]
    fn ids_and_wrapped_values() {
        let id = ThingId::from("t-1");
        assert_eq!(id.to_string(), "t-1");
        assert_eq!(to_json(&id), json!("t-1"));
        let link: ResultLink =
            round_trip(&json!({"@odata.context": "c", "value": "https://dl.example.test/x"}));
        assert_eq!(link.value, "https://dl.example.test/x");
        let error: ErrorBody = round_trip(&json!({"error": {"code": "NotFound", "target": "x"}}));
        assert_eq!(error.error.code, "NotFound");
        assert_eq!(error.error.message, None);
        assert_eq!(
            error.error.extra.get("target"),
            Some(&json!("x")),
            "error bodies keep unknown members"
        );
    }

    #[test]
    fn operations_carry_the_odata_path_and_the_quotas() {
        let operation = &operations::GET_RESULT_LINK;
        assert_eq!(operation.name, "getResultLink");
        assert_eq!(operation.path, "/api/things/{id}/GetResultLink(index={index})");
        assert_eq!(operation.success, [200]);
        assert!(operation.retry_safe);
        let windows: Vec<(u32, Duration)> =
            operation.rate_limits.iter().map(|l| (l.calls, l.per)).collect();
        assert_eq!(windows, [(2, Duration::from_secs(60)), (120, Duration::from_secs(3600))]);
        let names: Vec<&str> = operations::ALL.iter().map(|o| o.name).collect();
        assert_eq!(names, ["listThings", "getResultLink", "findThingsAt"]);
        assert_eq!(operations::FIND_THINGS_AT.path, "/api/things/findat(name='{name}',at={at})");
        assert_eq!(operations::permissions::THING_READ_ALL, "Thing.Read.All");
    }

    #[test]
    fn typed_filter_query_options_and_cloud() {
        let since: Timestamp = "2024-01-01T00:00:00Z".parse().expect("valid timestamp");
        let filter =
            ThingFilter::status().eq(ThingStatus::Ready).and(ThingFilter::created_at().ge(since));
        assert_eq!(filter.to_string(), "status eq 'Ready' and createdAt ge 2024-01-01T00:00:00Z");
        let ids = ThingFilter::id().is_in(["a", "O'Brien"]);
        assert_eq!(ids.to_string(), "id in ('a','O''Brien')");
        let client = offline_client!(odata_path);
        let call = client.list_things().filter(filter.clone()).top(10);
        let shown = format!("{call:?}");
        assert!(shown.contains(&format!("{filter:?}")) && shown.contains("Some(10)"), "{shown}");
        assert!(shown.contains("skip: None"), "{shown}");
        assert_eq!("global".parse::<Cloud>(), Ok(Cloud::Global));
        assert_eq!(Cloud::default().base_url(), "https://api.example.test");
    }
}

mod second_resource_behaviour {
    use super::second_resource::client::{Cloud, LibraryFileFilter};
    use super::second_resource::models::{
        ByteCount, LibraryError, LibraryFile, LibraryFileId, LibraryFileList, Revision,
        ScanVerdict, Sensitivity, UploadLibraryFileRequest,
    };
    use super::second_resource::operations;
    use super::*;

    #[test]
    fn library_files_parse_with_their_own_ids_and_enums() {
        let json = json!({
            "value": [{
                "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "fileName": "report.pdf",
                "size": 5_000_000_000_i64,
                "revision": 3,
                "verdict": "2ndOpinion",
                "uploadedAt": "2024-02-29T23:59:59.999999999Z",
                "sha256": null
            }, {
                "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                "fileName": "a.txt",
                "size": 0,
                "verdict": "Quarantined"
            }]
        });
        let list: LibraryFileList = parse(&json);
        let first: &LibraryFile = &list.value[0];
        assert_eq!(first.id, LibraryFileId::from("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert_eq!(first.size, ByteCount(5_000_000_000));
        assert_eq!(first.revision, Some(Revision(3)));
        assert_eq!(first.verdict, ScanVerdict::V2ndOpinion);
        assert_eq!(first.verdict.to_string(), "2ndOpinion");
        assert_eq!(list.value[1].verdict, ScanVerdict::Unknown("Quarantined".to_owned()));
        assert_eq!(ByteCount::from(12_i64).to_string(), "12");
    }

    #[test]
    fn upload_request_is_closed() {
        assert_copy::<Sensitivity>();
        let request = UploadLibraryFileRequest::new("a.txt", "aGk=")
            .with_sensitivity(Sensitivity::Confidential);
        assert_eq!(
            to_json(&request),
            json!({"FileName": "a.txt", "ContentBase64": "aGk=", "Sensitivity": "Confidential"})
        );
        let error = parse_error::<UploadLibraryFileRequest>(
            &json!({"FileName": "a", "ContentBase64": "", "Sensitivity": "Secret"}),
        );
        assert!(
            error.contains("unknown Sensitivity value `Secret`; expected one of: Public, Internal, Confidential"),
            "{error}"
        );
        let error: LibraryError =
            round_trip(&json!({"errorCode": "TooLarge", "detail": "100 MB at most"}));
        assert_eq!(error.error_code, "TooLarge");
    }

    #[test]
    fn its_own_clouds_operations_and_permissions() {
        let sovereign: Cloud = "sovereign-1".parse().expect("a cloud of the spec");
        assert_eq!(sovereign.base_url(), "https://library.sovereign.example.test");
        assert_eq!(sovereign.authority(), "https://login.sovereign.example.test");
        assert_eq!(Cloud::default(), Cloud::Public);
        let error = "global".parse::<Cloud>().expect_err("not a cloud of this spec");
        assert_eq!(error.expected, ["public", "sovereign-1"]);
        let names: Vec<&str> = operations::ALL.iter().map(|o| o.name).collect();
        assert_eq!(names, ["listLibraryFiles", "getLibraryFile", "uploadLibraryFile"]);
        assert_eq!(operations::UPLOAD_LIBRARY_FILE.success, [200, 201]);
        assert!(!operations::UPLOAD_LIBRARY_FILE.retry_safe);
        assert_eq!(operations::permissions::FILES_READ_WRITE_ALL, "Files.ReadWrite.All");
        let filter = LibraryFileFilter::file_name().ne("a.txt");
        assert_eq!(filter.to_string(), "fileName ne 'a.txt'");
    }
}

mod recursion_behaviour {
    use super::*;
    use golden_recursion::models::{Folder, Shortcut};

    /// Optional, nullable and mutual self-references hold boxed values and round-trip.
    #[test]
    fn self_references_nest_and_round_trip() {
        let folder = json!({
            "id": "c",
            "children": [{ "id": "d", "children": [] }],
            "parent": { "id": "b", "children": [], "parent": { "id": "a", "children": [] } },
            "pinned": null,
            "shortcut": { "label": "to a", "target": { "id": "a", "children": [] } },
        });
        let parsed: Folder = round_trip(&folder);
        let grandparent = parsed.parent.as_ref().and_then(|p| p.parent.as_ref());
        assert_eq!(grandparent.map(|g| g.id.as_str()), Some("a"));
        assert_eq!(parsed.pinned, None);
        assert_eq!(parsed.children[0].id.as_str(), "d");
        let target = parsed.shortcut.as_ref().and_then(|s| s.target.as_ref());
        assert_eq!(target.map(|t| t.id.as_str()), Some("a"));
        assert_eq!(to_json(&parsed), folder, "the explicit null is written back too");
    }

    /// Setters of boxed members take the value itself.
    #[test]
    fn boxed_members_are_set_by_value() {
        let root = Folder::new("root", Vec::new());
        let child = Folder::new("child", Vec::new())
            .with_parent(root.clone())
            .with_shortcut(Shortcut::new("back").with_target(root.clone()));
        assert_eq!(child.parent.as_deref(), Some(&root));
        let expected = json!({
            "id": "child",
            "children": [],
            "parent": { "id": "root", "children": [] },
            "shortcut": { "label": "back", "target": { "id": "root", "children": [] } },
        });
        assert_eq!(to_json(&child), expected);
    }
}

mod shared_page_behaviour {
    use super::*;
    use futures_util::StreamExt as _;
    use golden_shared_page::models::{Device, DeviceList};
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// Two listings page through the one page type, and parameters named like the generated
    /// code's locals reach the path and the query intact.
    #[tokio::test]
    async fn two_listings_share_one_page_type() {
        let server = MockServer::start().await;
        let page = |ids: &[&str], next: Option<String>| {
            let value: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
            let mut body = json!({ "value": value });
            if let Some(next) = next {
                body["@odata.nextLink"] = json!(next);
            }
            ResponseTemplate::new(200).set_body_json(body)
        };
        let second = format!("{}/devices/page2", server.uri());
        Mock::given(method("GET"))
            .and(path("/devices"))
            .respond_with(page(&["a", "b"], Some(second)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/devices/page2"))
            .respond_with(page(&["c"], None))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/devices/under/lab%2Frack%201"))
            .and(query_param("query", "x&y"))
            .and(query_param("value", "5"))
            .and(query_param("map", "m"))
            .respond_with(page(&["z"], None))
            .mount(&server)
            .await;
        let client = golden_shared_page::client::Client::builder()
            .base_url(server.uri())
            .bearer_token("token")
            .build()
            .expect("a client");
        let all: Vec<String> = client
            .list_devices()
            .into_pager()
            .map(|device| device.expect("a device").id)
            .collect()
            .await;
        assert_eq!(all, ["a", "b", "c"]);
        let found: Vec<String> = client
            .find_devices_by_path("lab/rack 1", "x&y")
            .value(5)
            .map("m")
            .into_pager()
            .map(|device| device.expect("a device").id)
            .collect()
            .await;
        assert_eq!(found, ["z"]);
    }

    /// Members named like locals, and a member with two aliases read the same in any order.
    #[test]
    fn local_named_members_and_aliases_in_any_order() {
        let device =
            json!({ "id": "a", "path": "p", "query": "q", "map": "m", "key": "k", "value": 1.5 });
        let parsed: Device = round_trip(&device);
        assert_eq!((parsed.path.as_deref(), parsed.key.as_deref()), (Some("p"), Some("k")));
        for members in [
            json!({ "id": "a", "seen": "2024-01-01T00:00:02Z", "lastSeenUtc": "2024-01-01T00:00:01Z" }),
            json!({ "id": "a", "lastSeenUtc": "2024-01-01T00:00:01Z", "seen": "2024-01-01T00:00:02Z" }),
        ] {
            let parsed: Device = round_trip(&members);
            let last_seen = parsed.last_seen.as_ref().map(|t| t.as_str());
            assert_eq!(
                last_seen,
                Some("2024-01-01T00:00:01Z"),
                "the first alias in spec order wins"
            );
            assert_eq!(parsed.extra.get("seen"), Some(&json!("2024-01-01T00:00:02Z")));
        }
        let _: DeviceList = parse(&json!({ "value": [] }));
    }
}
