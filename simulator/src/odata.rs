//! The OData `$filter` subset the listings support, for each listed entity ([`Entity`]).
//!
//! - MachineAction ([`MACHINE_ACTION`]): `eq`, `ne` and `in` on `id`, `status`, `machineId`,
//!   `type` and `requestor`; those plus `gt`, `ge`, `lt` and `le` on `creationDateTimeUtc`.
//! - Machine ([`MACHINE`]): the 14 documented filterable properties. `eq`, `ne` and `in` on
//!   each; `gt`, `ge`, `lt` and `le` on `lastSeen` (a date) and `rbacGroupId` (a number);
//!   `startswith(computerDnsName,'text')` on the text properties; and `machineTags`, a
//!   collection, through `machineTags/any(t: t eq 'tag')` (the body may use `eq`, `ne`, `in`,
//!   `startswith(t,'...')`, `and`, `or` and `not` on the range variable; `machineTags/any()`
//!   is true for a device with a tag).
//!
//! Clauses join with `and`, `or`, `not` and parentheses. String literals take single quotes
//! (`''` inside one is a quote); dates are bare (`2019-11-22T00:00:00Z`, or a date alone such
//! as `2018-08-01Z`); numbers are bare (`rbacGroupId eq 140`; `'140'` is taken too, as the
//! property is documented as a string); `null` compares with properties that can be empty
//! (`aadDeviceId eq null`). Property names are matched without case (Microsoft's pages spell
//! them both `machineId` and `MachineId`, `computerDnsName` and `ComputerDnsName`); string
//! comparisons ignore case. Anything else is an error whose text goes into the 400
//! `ODataError` answer.

use std::borrow::Cow;

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Longest `$filter` accepted.
const MAX_LENGTH: usize = 8 * 1024;
/// Deepest nesting of parentheses, `not` and lambdas.
const MAX_DEPTH: usize = 32;

/// The type of a filterable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string (or an enum, written as a string).
    Text,
    /// A DateTimeOffset.
    Date,
    /// An integer.
    Number,
    /// A collection of strings, filtered with `any`.
    TextList,
}

/// A listed entity: its filterable properties and the ones the service refuses.
#[derive(Debug)]
pub(crate) struct Entity {
    /// The type name errors give.
    pub name: &'static str,
    /// Filterable properties, as the service spells them, and their types.
    pub fields: &'static [(&'static str, Kind)],
    /// Properties of the entity that cannot be filtered on.
    pub not_filterable: &'static [&'static str],
    /// Whether `startswith(property,'text')` works on its text properties.
    pub startswith: bool,
}

/// The MachineAction entity of `GET /api/machineactions`.
pub(crate) static MACHINE_ACTION: Entity = Entity {
    name: "MachineAction",
    fields: &[
        ("id", Kind::Text),
        ("status", Kind::Text),
        ("machineId", Kind::Text),
        ("type", Kind::Text),
        ("requestor", Kind::Text),
        ("creationDateTimeUtc", Kind::Date),
    ],
    not_filterable: &[
        "scope",
        "requestorComment",
        "computerDnsName",
        "lastUpdateDateTimeUtc",
        "lastUpdateTimeUtc",
        "cancellationRequestor",
        "cancellationComment",
        "cancellationDateTimeUtc",
        "title",
        "externalId",
        "requestSource",
        "relatedFileInfo",
        "commands",
        "errorHResult",
        "troubleshootInfo",
    ],
    startswith: false,
};

/// The Machine entity of `GET /api/machines`: the 14 properties the docs list as filterable.
pub(crate) static MACHINE: Entity = Entity {
    name: "Machine",
    fields: &[
        ("computerDnsName", Kind::Text),
        ("id", Kind::Text),
        ("version", Kind::Text),
        ("deviceValue", Kind::Text),
        ("aadDeviceId", Kind::Text),
        ("machineTags", Kind::TextList),
        ("lastSeen", Kind::Date),
        ("exposureLevel", Kind::Text),
        ("onboardingStatus", Kind::Text),
        ("lastIpAddress", Kind::Text),
        ("healthStatus", Kind::Text),
        ("osPlatform", Kind::Text),
        ("riskScore", Kind::Text),
        ("rbacGroupId", Kind::Number),
    ],
    not_filterable: &[
        "firstSeen",
        "osProcessor",
        "osBuild",
        "osArchitecture",
        "lastExternalIpAddress",
        "rbacGroupName",
        "isAadJoined",
        "ipAddresses",
    ],
    startswith: true,
};

/// A filterable property, as its entity spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

impl Entity {
    fn field(&self, name: &str) -> Result<Field, String> {
        if let Some((name, kind)) = self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Ok(Field { name, kind: *kind });
        }
        if self.not_filterable.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(format!(
                "the property '{name}' cannot be used in the $filter query option"
            ));
        }
        Err(format!("could not find a property named '{name}' on type '{}'", self.name))
    }
}

/// What a comparison looks at: a property, or the range variable of an `any` lambda (one
/// string of the collection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand {
    Field(Field),
    Item,
}

impl Operand {
    fn kind(self) -> Kind {
        match self {
            Operand::Field(field) => field.kind,
            Operand::Item => Kind::Text,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A literal of the right type for its operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Date(OffsetDateTime),
    Number(i64),
    Null,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Compare(Operand, Op, Literal),
    In(Operand, Vec<Literal>),
    StartsWith(Operand, String),
    /// `field/any(var: body)`; no body: the collection is not empty.
    Any(Field, Option<Box<Expr>>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// The value of one property of one item.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Text(Option<Cow<'a, str>>),
    Date(Option<OffsetDateTime>),
    Number(Option<i64>),
    List(&'a [String]),
}

/// An item a filter looks at: the value of each filterable property, by the name its entity
/// spells it.
pub(crate) trait Subject {
    fn value(&self, field: &str) -> Value<'_>;
}

impl Expr {
    /// Whether `subject` matches.
    pub fn matches(&self, subject: &dyn Subject) -> bool {
        self.eval(subject, None)
    }

    /// `item` is the current string of an enclosing `any`.
    fn eval(&self, subject: &dyn Subject, item: Option<&str>) -> bool {
        match self {
            Expr::And(a, b) => a.eval(subject, item) && b.eval(subject, item),
            Expr::Or(a, b) => a.eval(subject, item) || b.eval(subject, item),
            Expr::Not(inner) => !inner.eval(subject, item),
            Expr::In(operand, values) => {
                let value = resolve(subject, *operand, item);
                values.iter().any(|v| compare(&value, Op::Eq, v))
            }
            Expr::Compare(operand, op, literal) => {
                compare(&resolve(subject, *operand, item), *op, literal)
            }
            Expr::StartsWith(operand, prefix) => match resolve(subject, *operand, item) {
                Value::Text(Some(text)) => {
                    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                }
                _ => false,
            },
            Expr::Any(field, body) => {
                let Value::List(items) = subject.value(field.name) else { return false };
                match body {
                    None => !items.is_empty(),
                    Some(body) => items.iter().any(|one| body.eval(subject, Some(one))),
                }
            }
        }
    }
}

fn resolve<'s>(subject: &'s dyn Subject, operand: Operand, item: Option<&'s str>) -> Value<'s> {
    match operand {
        Operand::Field(field) => subject.value(field.name),
        Operand::Item => Value::Text(item.map(Cow::Borrowed)),
    }
}

fn order<T: PartialOrd>(left: &T, op: Op, right: &T) -> bool {
    match op {
        Op::Eq => left == right,
        Op::Ne => left != right,
        Op::Gt => left > right,
        Op::Ge => left >= right,
        Op::Lt => left < right,
        Op::Le => left <= right,
    }
}

fn compare(value: &Value<'_>, op: Op, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::Text(None) | Value::Date(None) | Value::Number(None), Literal::Null) => {
            op == Op::Eq
        }
        (_, Literal::Null) => op == Op::Ne,
        (Value::Text(Some(text)), Literal::Text(wanted)) => {
            let equal = text.eq_ignore_ascii_case(wanted);
            match op {
                Op::Eq => equal,
                Op::Ne => !equal,
                _ => false,
            }
        }
        (Value::Date(Some(at)), Literal::Date(wanted)) => order(at, op, wanted),
        (Value::Number(Some(number)), Literal::Number(wanted)) => order(number, op, wanted),
        _ => op == Op::Ne,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Bare(String),
    Open,
    Close,
    Comma,
    Slash,
    Colon,
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single = match c {
            '(' => Some(Token::Open),
            ')' => Some(Token::Close),
            ',' => Some(Token::Comma),
            '/' => Some(Token::Slash),
            ':' => Some(Token::Colon),
            _ => None,
        };
        if let Some(token) = single {
            tokens.push(token);
            i += 1;
            continue;
        }
        match c {
            c if c.is_whitespace() => i += 1,
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".to_owned()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&other) => {
                            text.push(other);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Text(text));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                while chars.get(i).is_some_and(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '+' | '-')
                }) {
                    i += 1;
                }
                tokens.push(Token::Bare(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "syntax error: unexpected character '{other}' at position {i}"
                ));
            }
        }
    }
    Ok(tokens)
}

struct Parser<'e> {
    entity: &'e Entity,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The range variable of the `any` lambda being parsed.
    variable: Option<String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_at(&self, ahead: usize) -> Option<&Token> {
        self.tokens.get(self.pos + ahead)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn expect(&mut self, token: &Token, what: &str) -> Result<(), String> {
        if self.next().as_ref() == Some(token) {
            Ok(())
        } else {
            Err(format!("syntax error: {what} expected"))
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the $filter expression is nested too deeply".to_owned());
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.enter()?;
        let expr = if self.keyword("not") {
            self.pos += 1;
            Expr::Not(Box::new(self.unary()?))
        } else if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(&Token::Close, "')'")?;
            inner
        } else if self.keyword("startswith") && self.peek_at(1) == Some(&Token::Open) {
            self.startswith()?
        } else if self.peek_at(1) == Some(&Token::Slash) {
            self.lambda()?
        } else {
            self.comparison()?
        };
        self.depth -= 1;
        Ok(expr)
    }

    /// A property name, or the range variable of the enclosing lambda.
    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Word(name)) if self.variable.as_deref() == Some(name.as_str()) => {
                Ok(Operand::Item)
            }
            Some(Token::Word(name)) => self.entity.field(&name).map(Operand::Field),
            Some(other) => {
                Err(format!("syntax error: property name expected, found {}", describe(&other)))
            }
            None => Err("syntax error: unexpected end of the expression".to_owned()),
        }
    }

    /// `startswith(operand,'text')`.
    fn startswith(&mut self) -> Result<Expr, String> {
        self.pos += 2;
        if !self.entity.startswith {
            return Err(format!(
                "the function 'startswith' is not supported on type '{}'",
                self.entity.name
            ));
        }
        let operand = self.operand()?;
        if operand.kind() != Kind::Text {
            return Err(format!(
                "the function 'startswith' needs a string property, not '{}'",
                name_of(operand)
            ));
        }
        self.expect(&Token::Comma, "',' in startswith(property,'text')")?;
        let prefix = match self.next() {
            Some(Token::Text(text)) => text,
            _ => return Err("a string literal in single quotes is expected in startswith".into()),
        };
        self.expect(&Token::Close, "')' after startswith(property,'text'")?;
        Ok(Expr::StartsWith(operand, prefix))
    }

    /// `collection/any(var: body)` or `collection/any()`.
    fn lambda(&mut self) -> Result<Expr, String> {
        let Operand::Field(field) = self.operand()? else {
            return Err("syntax error: the range variable is not a collection".to_owned());
        };
        self.pos += 1; // the slash
        if field.kind != Kind::TextList {
            return Err(format!("the property '{}' is not a collection", field.name));
        }
        match self.next() {
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("any") => {}
            Some(Token::Word(word)) if word.eq_ignore_ascii_case("all") => {
                return Err("the lambda operator 'all' is not supported (use 'any')".to_owned());
            }
            _ => return Err(format!("syntax error: 'any' expected after '{}/'", field.name)),
        }
        self.expect(&Token::Open, "'(' after 'any'")?;
        if self.peek() == Some(&Token::Close) {
            self.pos += 1;
            return Ok(Expr::Any(field, None));
        }
        if self.variable.is_some() {
            return Err("a lambda inside a lambda is not supported".to_owned());
        }
        let variable = match self.next() {
            Some(Token::Word(name)) => name,
            _ => return Err("syntax error: a range variable is expected in 'any('".to_owned()),
        };
        if self.entity.field(&variable).is_ok() {
            return Err(format!("the range variable '{variable}' hides a property"));
        }
        self.expect(&Token::Colon, "':' after the range variable")?;
        self.variable = Some(variable);
        let body = self.or()?;
        self.variable = None;
        self.expect(&Token::Close, "')' closing 'any'")?;
        Ok(Expr::Any(field, Some(Box::new(body))))
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let operand = self.operand()?;
        let name = name_of(operand);
        if operand.kind() == Kind::TextList {
            return Err(format!(
                "'{name}' is a collection: filter it with {name}/any(t: t eq 'value')"
            ));
        }
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            _ => return Err(format!("syntax error: operator expected after '{name}'")),
        };
        if op == "in" {
            if operand.kind() == Kind::Date {
                return Err(format!("the operator 'in' is not supported on property '{name}'"));
            }
            self.expect(&Token::Open, "'(' after 'in'")?;
            let mut values = vec![self.literal(operand)?];
            loop {
                match self.next() {
                    Some(Token::Comma) => values.push(self.literal(operand)?),
                    Some(Token::Close) => break,
                    _ => {
                        return Err("syntax error: ',' or ')' expected in the 'in' list".to_owned());
                    }
                }
            }
            return Ok(Expr::In(operand, values));
        }
        let op = match op.as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => return Err(format!("syntax error: unknown operator '{other}'")),
        };
        if !matches!(op, Op::Eq | Op::Ne) && operand.kind() == Kind::Text {
            return Err(format!(
                "the operator '{}' is not supported on property '{name}'",
                op_name(op)
            ));
        }
        let value = self.literal(operand)?;
        if value == Literal::Null && !matches!(op, Op::Eq | Op::Ne) {
            return Err(format!("the operator '{}' cannot compare with null", op_name(op)));
        }
        Ok(Expr::Compare(operand, op, value))
    }

    fn literal(&mut self, operand: Operand) -> Result<Literal, String> {
        let name = name_of(operand);
        match (operand.kind(), self.next()) {
            (_, Some(Token::Word(word))) if word.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            (Kind::Date, Some(Token::Bare(text))) => parse_date(&text)
                .map(Literal::Date)
                .ok_or_else(|| format!("'{text}' is not a valid DateTimeOffset literal")),
            (Kind::Date, Some(other)) => Err(format!(
                "a DateTimeOffset literal (written without quotes) is expected for '{name}', found {}",
                describe(&other)
            )),
            (Kind::Number, Some(Token::Bare(text) | Token::Text(text))) => text
                .trim()
                .parse()
                .map(Literal::Number)
                .map_err(|_| format!("'{text}' is not a valid integer literal for '{name}'")),
            (Kind::Number, Some(other)) => Err(format!(
                "an integer literal is expected for '{name}', found {}",
                describe(&other)
            )),
            (_, Some(Token::Text(text))) => Ok(Literal::Text(text)),
            (_, Some(other)) => Err(format!(
                "a string literal in single quotes is expected for '{name}', found {}",
                describe(&other)
            )),
            (_, None) => {
                Err("syntax error: a literal is expected at the end of the expression".to_owned())
            }
        }
    }
}

fn name_of(operand: Operand) -> &'static str {
    match operand {
        Operand::Field(field) => field.name,
        Operand::Item => "the range variable",
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ne => "ne",
        Op::Gt => "gt",
        Op::Ge => "ge",
        Op::Lt => "lt",
        Op::Le => "le",
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("'{w}'"),
        Token::Text(t) => format!("the string '{t}'"),
        Token::Bare(b) => format!("'{b}'"),
        Token::Open => "'('".to_owned(),
        Token::Close => "')'".to_owned(),
        Token::Comma => "','".to_owned(),
        Token::Slash => "'/'".to_owned(),
        Token::Colon => "':'".to_owned(),
    }
}

/// An OData DateTimeOffset literal: RFC 3339, or a date alone (`2018-08-01`, `2018-08-01Z`)
/// meaning midnight UTC.
pub(crate) fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let day = text.strip_suffix('Z').unwrap_or(text);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(day, &format).ok()?;
    Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
}

/// Parses a `$filter` value over the properties of `entity`.
pub(crate) fn parse(input: &str, entity: &Entity) -> Result<Expr, String> {
    if input.len() > MAX_LENGTH {
        return Err(format!("the $filter expression is longer than {MAX_LENGTH} characters"));
    }
    if input.trim().is_empty() {
        return Err("the $filter query option is empty".to_owned());
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser { entity, tokens, pos: 0, depth: 0, variable: None };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => {
            Err(format!("syntax error: unexpected {} after a complete expression", describe(token)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Action {
        status: String,
        created: OffsetDateTime,
    }

    impl Subject for Action {
        fn value(&self, field: &str) -> Value<'_> {
            let text = |text: &'static str| Value::Text(Some(Cow::Borrowed(text)));
            match field {
                "id" => text("69dc3630-1ccc-4342-acf3-35286eec741d"),
                "status" => Value::Text(Some(Cow::Borrowed(&self.status))),
                "machineId" => text("f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f"),
                "type" => text("RunAntiVirusScan"),
                "requestor" => text("Analyst@contoso.com"),
                "creationDateTimeUtc" => Value::Date(Some(self.created)),
                other => panic!("{other} is not filterable"),
            }
        }
    }

    fn check(filter: &str, status: &str, created: &str) -> bool {
        let subject = Action {
            status: status.to_owned(),
            created: OffsetDateTime::parse(created, &Rfc3339).unwrap(),
        };
        parse(filter, &MACHINE_ACTION).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&subject)
    }

    #[test]
    fn documented_examples() {
        let at = "2018-12-04T12:18:27.1293487Z";
        assert!(check("machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'", "Succeeded", at));
        assert!(check(
            "requestor eq 'Analyst@contoso.com' and type eq 'RunAntiVirusScan'",
            "Succeeded",
            at
        ));
        assert!(check(
            "Status eq 'Succeeded' and MachineId eq 'F46B9BB259ED4A7FB9981B73510E3CC7AA81EC1F'",
            "Succeeded",
            at
        ));
    }

    #[test]
    fn operators_and_precedence() {
        let at = "2024-05-01T10:00:00.5Z";
        assert!(check("status in ('Pending','InProgress')", "Pending", at));
        assert!(!check("status in ('Pending','InProgress')", "Succeeded", at));
        assert!(check("status ne 'Succeeded'", "Failed", at));
        assert!(check("creationDateTimeUtc ge 2024-05-01T10:00:00Z", "Failed", at));
        assert!(check(
            "creationDateTimeUtc gt 2024-05-01Z and creationDateTimeUtc lt 2024-05-02",
            "Failed",
            at
        ));
        assert!(!check("creationDateTimeUtc le 2024-05-01T10:00:00Z", "Failed", at));
        assert!(check("type eq 'Isolate' or status eq 'Failed' and id ne 'x'", "Failed", at));
        assert!(!check("(type eq 'Isolate' or status eq 'Failed') and id eq 'x'", "Failed", at));
        assert!(check("not (status eq 'Pending')", "Failed", at));
        assert!(check("requestor eq 'O''Brien' or status eq 'Failed'", "Failed", at));
        assert!(check("creationDateTimeUtc ge 2024-05-01T10:00:00.123456789+00:00", "Failed", at));
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            "status eq",
            "status eq Pending",
            "status gt 'Pending'",
            "computerDnsName eq 'x'",
            "nosuch eq 'x'",
            "creationDateTimeUtc ge '2024-01-01'",
            "creationDateTimeUtc ge 2024-13-45",
            "creationDateTimeUtc in (2024-01-01)",
            "(status eq 'Pending'",
            "status eq 'Pending')",
            "status eq 'Pending' and",
            "status like 'Pending'",
            "status in 'Pending'",
            "status in ('a' 'b')",
            "status eq 'unterminated",
            "status eq 'x' ; drop",
            "startswith(status,'P')",
            "status/any(s: s eq 'x')",
            &"(".repeat(100),
        ] {
            assert!(parse(bad, &MACHINE_ACTION).is_err(), "{bad:?} was accepted");
        }
    }

    struct Device {
        tags: Vec<String>,
        aad: Option<&'static str>,
    }

    impl Subject for Device {
        fn value(&self, field: &str) -> Value<'_> {
            let text = |text: &'static str| Value::Text(Some(Cow::Borrowed(text)));
            match field {
                "computerDnsName" => text("desktop-1a2b3c.contoso.local"),
                "healthStatus" => text("Active"),
                "osPlatform" => text("Windows11"),
                "riskScore" => text("High"),
                "aadDeviceId" => Value::Text(self.aad.map(Cow::Borrowed)),
                "machineTags" => Value::List(&self.tags),
                "lastSeen" => Value::Date(Some(
                    OffsetDateTime::parse("2024-05-01T10:00:00Z", &Rfc3339).unwrap(),
                )),
                "rbacGroupId" => Value::Number(Some(140)),
                _ => Value::Text(None),
            }
        }
    }

    fn device(filter: &str) -> bool {
        let subject = Device { tags: vec!["Prod-Web".into(), "VIP".into()], aad: None };
        parse(filter, &MACHINE).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&subject)
    }

    #[test]
    fn machine_filters() {
        assert!(device("riskScore eq 'High'"));
        assert!(device("RiskScore+eq+'high'".replace('+', " ").as_str()));
        assert!(!device("healthStatus ne 'Active'"));
        assert!(device("lastSeen gt 2018-08-01Z"));
        assert!(!device("lastSeen lt 2024-05-01T10:00:00Z"));
        assert!(device("lastSeen le 2024-05-01T10:00:00Z"));
        assert!(device("startswith(computerDnsName,'DESKTOP-')"));
        assert!(!device("startswith(computerDnsName,'desktop-1a2b3c.contoso.local.')"));
        assert!(device("machineTags/any(tag: tag eq 'vip')"));
        assert!(!device("machineTags/any(t: t eq 'Finance')"));
        assert!(device("machineTags/any(t: startswith(t,'Prod'))"));
        assert!(device("machineTags/any(t: t in ('Finance','Prod-Web'))"));
        assert!(device("machineTags/any()"));
        assert!(device("rbacGroupId eq 140 and rbacGroupId ge 100 and rbacGroupId lt '141'"));
        assert!(device("aadDeviceId eq null and osPlatform ne null"));
        assert!(!device("aadDeviceId ne null"));
        assert!(device("aadDeviceId ne 'x'"));
        assert!(device("healthStatus in ('Inactive','Active') or id eq 'x'"));
        assert!(device("not machineTags/any(t: t eq 'HR') and healthStatus eq 'Active'"));
        for bad in [
            "machineTags eq 'VIP'",
            "machineTags/all(t: t eq 'VIP')",
            "machineTags/any(t: t eq 'VIP'",
            "machineTags/any(t t eq 'VIP')",
            "computerDnsName/any(t: t eq 'x')",
            "machineTags/any(id: id eq 'x')",
            "machineTags/any(t: machineTags/any(u: u eq 'x'))",
            "startswith(lastSeen,'2024')",
            "startswith(computerDnsName,5)",
            "startswith(computerDnsName 'x')",
            "computerDnsName gt 'a'",
            "rbacGroupId eq 'abc'",
            "lastSeen gt null",
            "firstSeen gt 2024-01-01",
            "lastSeen in (2024-01-01)",
            "ipAddresses eq 'x'",
        ] {
            assert!(parse(bad, &MACHINE).is_err(), "{bad:?} was accepted");
        }
    }
}
