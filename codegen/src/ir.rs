//! The lowered, validated form of a spec: what the emitters consume.
//!
//! Every name here is already a valid Rust identifier (see [`crate::names`]), every reference is
//! resolved, and every invariant the emitters rely on has been checked by [`crate::lower`].

/// A whole API: its types, its methods and its servers.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Human name of the API.
    pub name: String,
    /// Crate-level documentation.
    pub doc: String,
    /// Link to the API's reference documentation.
    pub docs_url: String,
    /// Named types, in spec order.
    pub types: Vec<TypeDef>,
    /// Operations, in spec order.
    pub methods: Vec<Method>,
    /// Clouds or regions the API is served from, in spec order.
    pub servers: Vec<Server>,
    /// The type of the service's error bodies.
    pub error_type: Option<String>,
    /// Every permission any method accepts, sorted by name.
    pub permissions: Vec<Permission>,
    /// Methods that hand-written code of the SDK crate adds to the client (`x-api`
    /// `clientExtensions`), so that no spec method takes their names.
    pub client_extensions: Vec<String>,
}

/// A permission name and the methods that accept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// Rust constant name, e.g. `MACHINE_ISOLATE`.
    pub name: String,
    /// The permission as the service names it, e.g. `Machine.Isolate`.
    pub value: String,
    /// Spec names of the methods that accept it, in spec order.
    pub methods: Vec<String>,
}

/// A named type from `$defs`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// An object.
    Struct(StructDef),
    /// A string enum.
    Enum(EnumDef),
    /// A named scalar, such as an id.
    Newtype(NewtypeDef),
}

impl TypeDef {
    /// The Rust name of the type.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(def) => &def.name,
            TypeDef::Enum(def) => &def.name,
            TypeDef::Newtype(def) => &def.name,
        }
    }
}

/// The object type of Rust name `name` among `types`, if there is one.
pub fn struct_named<'t>(types: &'t [TypeDef], name: &str) -> Option<&'t StructDef> {
    types.iter().find_map(|t| match t {
        TypeDef::Struct(def) if def.name == name => Some(def),
        _ => None,
    })
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Rust type name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Fields in spec order.
    pub fields: Vec<Field>,
    /// True when the type can appear in a response: it then keeps unknown JSON members.
    pub in_response: bool,
    /// True when the spec forbids members it does not declare (`additionalProperties: false`).
    pub closed: bool,
    /// The page that documents the object as a resource (`x-docsUrl`), such as Microsoft's
    /// `machine` page for `Machine`.
    pub docs_url: Option<String>,
}

impl StructDef {
    /// True when any field has wire aliases.
    pub fn has_aliases(&self) -> bool {
        self.fields.iter().any(|f| !f.aliases.is_empty())
    }
}

/// A member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// JSON member name.
    pub wire: String,
    /// Other JSON names accepted for the same member.
    pub aliases: Vec<String>,
    /// Rust field name (may be a raw identifier such as `r#type`).
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Value type (without the `Option`).
    pub ty: Type,
    /// Listed in `required`.
    pub required: bool,
    /// May be `null`.
    pub nullable: bool,
    /// OData operators the list method may `$filter` this member with.
    pub filter_ops: Vec<FilterOp>,
    /// Holds a secret (e.g. a signed URL): `Debug` prints `<redacted>`.
    pub sensitive: bool,
    /// Held behind a `Box`: an optional member through which the type contains itself.
    pub boxed: bool,
}

impl Field {
    /// The Rust field is an `Option`: the member may be absent or null.
    pub fn is_optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// The type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// `String`.
    String,
    /// An RFC 3339 timestamp, kept exactly as sent.
    DateTime,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// Any JSON value.
    Any,
    /// A named type from `$defs`, by Rust name.
    Named(String),
    /// A JSON array.
    Array(Box<Type>),
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Rust type name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// The documented values.
    pub variants: Vec<Variant>,
    /// Unknown values are kept (`Unknown(String)`) rather than rejected.
    pub open: bool,
}

/// One documented enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The value on the wire.
    pub wire: String,
    /// Rust variant name.
    pub name: String,
    /// Documentation.
    pub doc: String,
}

/// A named scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtypeDef {
    /// Rust type name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// The wrapped type: [`Type::String`] or an integer.
    pub inner: Type,
}

/// An OData `$filter` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FilterOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `in`
    In,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl FilterOp {
    /// Equality operators, in declaration order: what ids, strings and enums support.
    pub const EQUALITY: [FilterOp; 3] = [FilterOp::Eq, FilterOp::Ne, FilterOp::In];

    /// Comparison operators, in declaration order: what timestamps and numbers support.
    pub const ORDERED: [FilterOp; 6] =
        [FilterOp::Eq, FilterOp::Ne, FilterOp::Gt, FilterOp::Ge, FilterOp::Lt, FilterOp::Le];

    /// Every operator, with its OData spelling.
    pub const ALL: [(&'static str, FilterOp); 7] = [
        ("eq", FilterOp::Eq),
        ("ne", FilterOp::Ne),
        ("in", FilterOp::In),
        ("gt", FilterOp::Gt),
        ("ge", FilterOp::Ge),
        ("lt", FilterOp::Lt),
        ("le", FilterOp::Le),
    ];

    /// The OData spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, op)| *op == self).map_or("", |(s, _)| s)
    }
}

/// An HTTP verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Verb {
    /// Every verb, with its spelling.
    pub const ALL: [(&'static str, Verb); 5] = [
        ("GET", Verb::Get),
        ("POST", Verb::Post),
        ("PUT", Verb::Put),
        ("PATCH", Verb::Patch),
        ("DELETE", Verb::Delete),
    ];

    /// The spelling on the wire.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(_, verb)| *verb == self).map_or("", |(s, _)| s)
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    /// JSON pointer of the method in the spec, for messages.
    pub pointer: String,
    /// Name as written in the spec (camelCase).
    pub spec_name: String,
    /// Rust function name (snake_case).
    pub name: String,
    /// Rust name of the method's call builder (UpperCamelCase), e.g. `IsolateMachine`.
    pub call_type: String,
    /// Rust name of the method's operation constant, e.g. `ISOLATE_MACHINE`.
    pub operation: String,
    /// First doc line.
    pub summary: String,
    /// The rest of the docs.
    pub description: String,
    /// Microsoft Learn page.
    pub docs_url: String,
    /// HTTP verb.
    pub verb: Verb,
    /// The path template as written in the spec.
    pub path_template: String,
    /// The path template, split into literal text and parameters.
    pub path: Vec<PathPart>,
    /// Path and query parameters, in spec order.
    pub params: Vec<Param>,
    /// Request body type.
    pub body: Option<String>,
    /// Statuses that mean success.
    pub success: Vec<u16>,
    /// Response body type.
    pub response: String,
    /// Documented failures specific to this method.
    pub errors: Vec<MethodError>,
    /// Application permissions, any one of which suffices.
    pub application_permissions: Vec<String>,
    /// Delegated permissions, any one of which suffices.
    pub delegated_permissions: Vec<String>,
    /// Documented quotas.
    pub rate_limits: Vec<RateLimit>,
    /// The operating systems the method's page says it works on, in spec order (documentation
    /// only; empty when the spec states none).
    pub platforms: Vec<Platform>,
    /// Sending the request twice cannot do anything twice.
    pub retry_safe: bool,
    /// The type whose filterable fields `$filter` may use, and the query parameter (an index
    /// into [`Method::params`]) that carries the expression.
    pub filter: Option<(String, usize)>,
    /// How the response pages, for listing methods.
    pub paging: Option<Paging>,
    /// The response member (Rust field name) holding a pre-signed download link.
    pub link_field: Option<String>,
}

impl Method {
    /// The members of the method's request body, among `types` (none without a body).
    pub fn body_fields<'t>(&self, types: &'t [TypeDef]) -> &'t [Field] {
        let def = self.body.as_deref().and_then(|name| struct_named(types, name));
        def.map_or(&[], |def| &def.fields)
    }
}

/// How a listing method's response pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// Rust field of the response holding the items.
    pub items_field: String,
    /// Type of one item.
    pub item_type: Type,
    /// Rust field of the response holding the next page's URL (an `Option<String>`).
    pub next_link_field: String,
    /// Query parameter (wire name) setting the page size.
    pub top: String,
    /// Query parameter (wire name) skipping items.
    pub skip: String,
    /// The largest page size the service allows.
    pub max_top: u32,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    /// Literal text.
    Literal(String),
    /// The value of the parameter at this index of [`Method::params`].
    Param(usize),
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Name on the wire (placeholder name or query key such as `$top`).
    pub wire: String,
    /// Rust name.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// Path or query.
    pub location: ParamLocation,
    /// Must be given.
    pub required: bool,
    /// Value type.
    pub ty: Type,
    /// Carries a typed `$filter` expression (see [`Method::filter`]).
    pub is_filter: bool,
    /// Smallest allowed value, for integers.
    pub minimum: Option<i64>,
    /// Largest allowed value, for integers.
    pub maximum: Option<i64>,
}

/// A documented failure of one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodError {
    /// HTTP status.
    pub status: u16,
    /// The service's error code, when documented.
    pub code: Option<String>,
    /// When it happens.
    pub when: String,
}

/// An operating system a method is documented to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// The OS as the pages name it: `Windows 10`, `Windows Server 2019`, `macOS`, `Linux`.
    pub os: String,
    /// The oldest version the page names (`1703`, `14`, `23H2`).
    pub min_version: Option<String>,
    /// What scopes the entry, such as the kind of isolation it applies to.
    pub note: Option<String>,
}

impl Platform {
    /// The entry as one phrase: `Windows 10 1703 or later (full isolation)`.
    pub fn describe(&self) -> String {
        let mut text = self.os.clone();
        if let Some(version) = &self.min_version {
            text.push_str(&format!(" {version} or later"));
        }
        if let Some(note) = &self.note {
            text.push_str(&format!(" ({note})"));
        }
        text
    }
}

/// Unit of a rate limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    /// 60 seconds.
    Minute,
    /// 3600 seconds.
    Hour,
}

impl Per {
    /// Window length in seconds.
    pub fn seconds(self) -> u64 {
        match self {
            Per::Minute => 60,
            Per::Hour => 3600,
        }
    }
}

/// A documented quota: at most `calls` per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub calls: u32,
    /// Window.
    pub per: Per,
}

/// A cloud or region serving the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Name in the spec, e.g. `gcc-high`.
    pub spec_name: String,
    /// Rust variant name, e.g. `GccHigh`.
    pub name: String,
    /// Documentation.
    pub doc: String,
    /// API base URL.
    pub url: String,
    /// Sign-in authority.
    pub authority: String,
    /// OAuth2 scope for tokens.
    pub scope: String,
}
