//! The OData `$filter` subset the MachineAction listing supports: `eq`, `ne` and `in` on
//! `id`, `status`, `machineId`, `type` and `requestor`; those plus `gt`, `ge`, `lt` and `le`
//! on `creationDateTimeUtc`; joined with `and`, `or`, `not` and parentheses.
//!
//! String literals take single quotes (`''` inside one is a quote); dates are bare
//! (`2019-11-22T00:00:00Z`, or a date alone such as `2018-08-01Z`). Property names are
//! matched without case (Microsoft's pages spell them both `machineId` and `MachineId`);
//! string comparisons ignore case. Anything else is an error whose text goes into the 400
//! `ODataError` answer.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Longest `$filter` accepted.
const MAX_LENGTH: usize = 8 * 1024;
/// Deepest nesting of parentheses and `not`.
const MAX_DEPTH: usize = 32;

/// A filterable property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Id,
    Status,
    MachineId,
    Type,
    Requestor,
    CreationDateTimeUtc,
}

impl Field {
    fn parse(name: &str) -> Result<Field, String> {
        const FIELDS: &[(&str, Field)] = &[
            ("id", Field::Id),
            ("status", Field::Status),
            ("machineId", Field::MachineId),
            ("type", Field::Type),
            ("requestor", Field::Requestor),
            ("creationDateTimeUtc", Field::CreationDateTimeUtc),
        ];
        const NOT_FILTERABLE: &[&str] = &[
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
        ];
        if let Some((_, field)) = FIELDS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Ok(*field);
        }
        if NOT_FILTERABLE.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(format!(
                "the property '{name}' cannot be used in the $filter query option"
            ));
        }
        Err(format!("could not find a property named '{name}' on type 'MachineAction'"))
    }

    fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Status => "status",
            Field::MachineId => "machineId",
            Field::Type => "type",
            Field::Requestor => "requestor",
            Field::CreationDateTimeUtc => "creationDateTimeUtc",
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

/// A literal of the right type for its field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Text(String),
    Date(OffsetDateTime),
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Compare(Field, Op, Literal),
    In(Field, Vec<Literal>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

/// The values of one action that filters look at.
#[derive(Debug, Clone)]
pub(crate) struct Subject<'a> {
    pub id: &'a str,
    pub status: &'a str,
    pub machine_id: &'a str,
    pub kind: &'a str,
    pub requestor: &'a str,
    pub created: OffsetDateTime,
}

impl Expr {
    /// Whether `subject` matches.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        match self {
            Expr::And(a, b) => a.matches(subject) && b.matches(subject),
            Expr::Or(a, b) => a.matches(subject) || b.matches(subject),
            Expr::Not(inner) => !inner.matches(subject),
            Expr::In(field, values) => values.iter().any(|v| compare(subject, *field, Op::Eq, v)),
            Expr::Compare(field, op, value) => compare(subject, *field, *op, value),
        }
    }
}

fn compare(subject: &Subject<'_>, field: Field, op: Op, value: &Literal) -> bool {
    let text = match field {
        Field::Id => subject.id,
        Field::Status => subject.status,
        Field::MachineId => subject.machine_id,
        Field::Type => subject.kind,
        Field::Requestor => subject.requestor,
        Field::CreationDateTimeUtc => {
            let Literal::Date(at) = value else { return false };
            let created = subject.created;
            return match op {
                Op::Eq => created == *at,
                Op::Ne => created != *at,
                Op::Gt => created > *at,
                Op::Ge => created >= *at,
                Op::Lt => created < *at,
                Op::Le => created <= *at,
            };
        }
    };
    let Literal::Text(value) = value else { return false };
    let equal = text.eq_ignore_ascii_case(value);
    match op {
        Op::Eq => equal,
        Op::Ne => !equal,
        _ => false,
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
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
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

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
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
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the $filter expression is nested too deeply".to_owned());
        }
        let expr = if self.keyword("not") {
            self.pos += 1;
            Expr::Not(Box::new(self.unary()?))
        } else if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            match self.next() {
                Some(Token::Close) => inner,
                _ => return Err("syntax error: ')' expected".to_owned()),
            }
        } else {
            self.comparison()?
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let name = match self.next() {
            Some(Token::Word(name)) => name,
            Some(other) => {
                return Err(format!(
                    "syntax error: property name expected, found {}",
                    describe(&other)
                ));
            }
            None => return Err("syntax error: unexpected end of the expression".to_owned()),
        };
        let field = Field::parse(&name)?;
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            _ => return Err(format!("syntax error: operator expected after '{name}'")),
        };
        if op == "in" {
            if field == Field::CreationDateTimeUtc {
                return Err(format!(
                    "the operator 'in' is not supported on property '{}'",
                    field.name()
                ));
            }
            if self.next() != Some(Token::Open) {
                return Err("syntax error: '(' expected after 'in'".to_owned());
            }
            let mut values = vec![self.literal(field)?];
            loop {
                match self.next() {
                    Some(Token::Comma) => values.push(self.literal(field)?),
                    Some(Token::Close) => break,
                    _ => {
                        return Err("syntax error: ',' or ')' expected in the 'in' list".to_owned());
                    }
                }
            }
            return Ok(Expr::In(field, values));
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
        if !matches!(op, Op::Eq | Op::Ne) && field != Field::CreationDateTimeUtc {
            return Err(format!(
                "the operator '{}' is not supported on property '{}'",
                op_name(op),
                field.name()
            ));
        }
        let value = self.literal(field)?;
        Ok(Expr::Compare(field, op, value))
    }

    fn literal(&mut self, field: Field) -> Result<Literal, String> {
        let token = self.next();
        match (field, token) {
            (Field::CreationDateTimeUtc, Some(Token::Bare(text))) => parse_date(&text)
                .map(Literal::Date)
                .ok_or_else(|| format!("'{text}' is not a valid DateTimeOffset literal")),
            (Field::CreationDateTimeUtc, Some(other)) => Err(format!(
                "a DateTimeOffset literal (written without quotes) is expected for 'creationDateTimeUtc', found {}",
                describe(&other)
            )),
            (_, Some(Token::Text(text))) => Ok(Literal::Text(text)),
            (_, Some(other)) => Err(format!(
                "a string literal in single quotes is expected for '{}', found {}",
                field.name(),
                describe(&other)
            )),
            (_, None) => {
                Err("syntax error: a literal is expected at the end of the expression".to_owned())
            }
        }
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
    }
}

/// An OData DateTimeOffset literal: RFC 3339, or a date alone (`2018-08-01`, `2018-08-01Z`)
/// meaning midnight UTC.
fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let day = text.strip_suffix('Z').unwrap_or(text);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(day, &format).ok()?;
    Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
}

/// Parses a `$filter` value.
pub(crate) fn parse(input: &str) -> Result<Expr, String> {
    if input.len() > MAX_LENGTH {
        return Err(format!("the $filter expression is longer than {MAX_LENGTH} characters"));
    }
    if input.trim().is_empty() {
        return Err("the $filter query option is empty".to_owned());
    }
    let tokens = tokenize(input)?;
    let mut parser = Parser { tokens, pos: 0, depth: 0 };
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

    fn subject(status: &str, created: &str) -> (OffsetDateTime, String) {
        (OffsetDateTime::parse(created, &Rfc3339).unwrap(), status.to_owned())
    }

    fn check(filter: &str, status: &str, created: &str) -> bool {
        let (created, status) = subject(status, created);
        let subject = Subject {
            id: "69dc3630-1ccc-4342-acf3-35286eec741d",
            status: &status,
            machine_id: "f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f",
            kind: "RunAntiVirusScan",
            requestor: "Analyst@contoso.com",
            created,
        };
        parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&subject)
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
            &"(".repeat(100),
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
