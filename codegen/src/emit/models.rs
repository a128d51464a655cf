//! `src/models.rs`: a struct, enum or newtype for every `$defs` entry.
//!
//! Request-only structs derive serde. Structs that can appear in a response get generated
//! `Serialize`/`Deserialize` impls instead, which keep unknown members in `extra` (matching
//! known keys without buffering the object) and write each member back under the wire name it
//! arrived with.

use super::docs::{list, paragraphs};
use super::struct_literal;
use crate::ir::{Api, EnumDef, Field, NewtypeDef, StructDef, Type, TypeDef};
use crate::names;
use crate::render::{Code, lit};

// The signatures of the trait methods the models implement.
const FMT_FN: &str = "fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result";
const EXPECTING_FN: &str =
    "fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result";
const SERIALIZE_FN: &str =
    "fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>";
const DESERIALIZE_FN: &str =
    "fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>";

/// The whole `models.rs` file.
pub fn write_models(api: &Api) -> Result<String, String> {
    let mut code = Code::new();
    code.inner_doc("Data types: every object, enum and id of the API.");
    code.item("use ::mde_runtime::__private as runtime;");
    for def in &api.types {
        match def {
            TypeDef::Struct(def) => write_struct(&mut code, def),
            TypeDef::Enum(def) => write_enum(&mut code, def),
            TypeDef::Newtype(def) => write_newtype(&mut code, def),
        }
    }
    code.finish()
}

/// The Rust type of a value, as written inside `models.rs`.
fn type_text(ty: &Type) -> String {
    super::type_text(ty, "")
}

fn field_type(field: &Field) -> String {
    let ty = type_text(&field.ty);
    let ty = if field.boxed { format!("Box<{ty}>") } else { ty };
    if field.is_optional() { format!("Option<{ty}>") } else { ty }
}

fn field_doc(field: &Field) -> String {
    let wire = format!("JSON member `{}`.", field.wire);
    let aliases = if field.aliases.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = field.aliases.iter().map(|a| format!("`{a}`")).collect();
        format!(
            "Also accepted as {}; written back under the name it arrived with. When an object carries several of these names, `{}` wins (or else the first alias in this list), whatever their order, and the others are kept in `extra`.",
            list.join(", "),
            field.wire
        )
    };
    paragraphs(&[&field.doc, &format!("{wire} {aliases}")])
}

// ----- structs ---------------------------------------------------------------------------------

fn write_struct(code: &mut Code, def: &StructDef) {
    let reference = def.docs_url.as_ref().map(|url| format!("[Microsoft Learn]({url})"));
    code.doc(&paragraphs(&[&def.doc, reference.as_deref().unwrap_or("")]));
    // Response models print their fields by hand, leaving out the wire bookkeeping.
    let manual_debug = def.in_response || def.fields.iter().any(|f| f.sensitive);
    let debug = if manual_debug { "" } else { "Debug, " };
    if def.in_response {
        code.attr(&format!("#[derive({debug}Clone, PartialEq)]"));
    } else {
        code.attr(&format!(
            "#[derive({debug}Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]"
        ));
        if def.closed {
            code.line("#[serde(deny_unknown_fields)]");
        }
    }
    code.line("#[non_exhaustive]");
    let head = format!("pub struct {}", def.name);
    if def.fields.is_empty() && !def.in_response {
        code.item(&format!("{head} {{}}"));
    } else {
        code.item_block(&head, |code| write_struct_fields(code, def));
    }
    write_constructors(code, def);
    if manual_debug {
        write_debug(code, def);
    }
    if def.in_response {
        write_serialize(code, def);
        write_deserialize(code, def);
    }
}

/// The fields of a struct, and a response model's `extra` and wire bookkeeping.
fn write_struct_fields(code: &mut Code, def: &StructDef) {
    for field in &def.fields {
        code.doc(&field_doc(field));
        if !def.in_response {
            write_serde_field_attr(code, field);
        }
        code.field(&format!("pub {}: {},", field.name, field_type(field)));
    }
    if def.in_response {
        code.doc(
            "JSON members the service sent that this version of the crate does not model,\n\
             kept so that serializing the value again loses nothing.",
        );
        code.field(&format!("pub {}: runtime::UnknownFields,", names::EXTRA_FIELD));
        code.field(&format!("{}: runtime::WireInfo,", names::RECEIVED_AS_FIELD));
    }
}

/// `Debug` by hand: `<redacted>` for members marked `x-sensitive`, and no wire bookkeeping.
fn write_debug(code: &mut Code, def: &StructDef) {
    let mut chain = format!("f.debug_struct({})", lit(&def.name));
    for f in &def.fields {
        let label = lit(names::bare(&f.name));
        if f.sensitive {
            chain.push_str(&format!(".field({label}, &runtime::Redacted)"));
        } else {
            chain.push_str(&format!(".field({label}, &self.{})", f.name));
        }
    }
    if def.in_response {
        chain.push_str(&format!(".field(\"extra\", &self.{})", names::EXTRA_FIELD));
    }
    chain.push_str(".finish()");
    code.item_block(&format!("impl ::std::fmt::Debug for {}", def.name), |code| {
        code.item_block(FMT_FN, |code| code.stmt(&chain));
    });
}

fn write_serde_field_attr(code: &mut Code, field: &Field) {
    let mut args = vec![format!("rename = {}", lit(&field.wire))];
    args.extend(field.aliases.iter().map(|a| format!("alias = {}", lit(a))));
    if !field.required {
        args.push("skip_serializing_if = \"Option::is_none\"".to_owned());
        args.push("default".to_owned());
    }
    code.attr_with_trailing_comma(&format!("#[serde({})]", list(args)));
}

/// `new(required…)` and a `with_*` setter per optional field.
fn write_constructors(code: &mut Code, def: &StructDef) {
    let required: Vec<&Field> = def.fields.iter().filter(|f| !f.is_optional()).collect();
    let params =
        list(required.iter().map(|f| format!("{}: impl Into<{}>", f.name, type_text(&f.ty))));
    let mut inits: Vec<String> = def
        .fields
        .iter()
        .map(|f| {
            if f.is_optional() {
                format!("{}: None", f.name)
            } else {
                format!("{0}: {0}.into()", f.name)
            }
        })
        .collect();
    if def.in_response {
        inits.push(format!("{}: runtime::UnknownFields::new()", names::EXTRA_FIELD));
        inits.push(format!("{}: runtime::WireInfo::default()", names::RECEIVED_AS_FIELD));
    }
    let new_doc = if required.is_empty() {
        "Creates a value with every field empty.".to_owned()
    } else {
        let list: Vec<String> =
            required.iter().map(|f| format!("`{}`", names::bare(&f.name))).collect();
        format!(
            "Creates a value from its required fields ({}); every optional field starts empty.",
            list.join(", ")
        )
    };
    code.item_block(&format!("impl {}", def.name), |code| {
        code.doc(&new_doc);
        code.item_block(&format!("pub fn new({params}) -> Self"), |code| {
            code.stmt(&struct_literal("Self", &inits));
        });
        for field in def.fields.iter().filter(|f| f.is_optional()) {
            write_setter(code, field);
        }
    });
    // A value without required fields has an obvious default: the empty one.
    if required.is_empty() {
        code.item_block(&format!("impl Default for {}", def.name), |code| {
            code.item_block("fn default() -> Self", |code| code.line("Self::new()"));
        });
    }
}

fn write_setter(code: &mut Code, field: &Field) {
    code.doc(&format!("Sets [`Self::{}`].", names::bare(&field.name)));
    code.line("#[must_use]");
    let setter = names::setter(&field.name);
    let ty = type_text(&field.ty);
    let value = if field.boxed { "Box::new(value.into())" } else { "value.into()" };
    code.item_block(
        &format!("pub fn {setter}(mut self, value: impl Into<{ty}>) -> Self"),
        |code| {
            code.stmt(&format!("self.{} = Some({value});", field.name));
            code.line("self");
        },
    );
}

/// Optional fields get a bit in `runtime::WireInfo` recording an explicit `null`, so it is
/// written back: the bits the object's aliases leave free, in member order.
fn null_bit(def: &StructDef, field: &Field) -> Option<u32> {
    let index = def.fields.iter().filter(|f| !f.required).position(|f| f.wire == field.wire)?;
    bit_below(index, WIRE_BITS - tracked_alias_count(def))
}

/// `index` as a `runtime::WireInfo` bit, if it is below `limit`.
fn bit_below(index: usize, limit: usize) -> Option<u32> {
    u32::try_from(index).ok().filter(|_| index < limit)
}

/// How many bits `runtime::WireInfo` has per object, shared by aliases (counted down from the
/// top) and explicit `null`s (counted up from the bottom). Aliases are given theirs first.
const WIRE_BITS: usize = 64;

/// How many of the object's aliases `runtime::WireInfo` tracks: all of them, up to 64.
fn tracked_alias_count(def: &StructDef) -> usize {
    def.fields.iter().map(|f| f.aliases.len()).sum::<usize>().min(WIRE_BITS)
}

/// The `runtime::WireInfo` bit recording that `field` arrived under its alias number `index`:
/// aliases are numbered across the object, the first 64 tracked.
fn alias_bit(def: &StructDef, field: &Field, index: usize) -> Option<u32> {
    let before: usize =
        def.fields.iter().take_while(|f| f.wire != field.wire).map(|f| f.aliases.len()).sum();
    bit_below(before + index, WIRE_BITS)
}

fn write_serialize(code: &mut Code, def: &StructDef) {
    code.item_block(&format!("impl ::serde::Serialize for {}", def.name), |code| {
        code.item_block(SERIALIZE_FN, |code| {
            code.stmt("use ::serde::ser::SerializeMap as _;");
            code.stmt("let mut map = serializer.serialize_map(None)?;");
            for field in &def.fields {
                write_serialize_entry(code, def, field);
            }
            let extra = names::EXTRA_FIELD;
            code.stmt_block(&format!("for (key, value) in self.{extra}.iter()"), |code| {
                code.line("map.serialize_entry(key, value)?;");
            });
            code.line("map.end()");
        });
    });
}

/// One member's entry: under the name it arrived with, left out when absent, and an explicit
/// `null` written back.
fn write_serialize_entry(code: &mut Code, def: &StructDef, field: &Field) {
    let member = &field.name;
    let received_as = names::RECEIVED_AS_FIELD;
    let key = if field.aliases.is_empty() {
        lit(&field.wire)
    } else {
        let aliases = field.aliases.iter().enumerate().filter_map(|(i, alias)| {
            let bit = alias_bit(def, field, i)?;
            Some(format!("({bit}, {})", lit(alias)))
        });
        format!("self.{received_as}.pick({}, &[{}])", lit(&field.wire), list(aliases))
    };
    match (field.required, null_bit(def, field)) {
        (true, _) => code.stmt(&format!("map.serialize_entry({key}, &self.{member})?;")),
        (false, Some(bit)) => code.stmt_block(&format!("match &self.{member}"), |code| {
            code.arm(&format!("Some(value) => map.serialize_entry({key}, value)?,"));
            code.arm(&format!(
                "None if self.{received_as}.was_null({bit}) => \
                 map.serialize_entry({key}, &())?,"
            ));
            code.line("None => {}");
        }),
        (false, None) => code.stmt_block(&format!("if let Some(value) = &self.{member}"), |code| {
            code.stmt(&format!("map.serialize_entry({key}, value)?;"));
        }),
    }
}

fn slot(field: &Field) -> String {
    names::slot(&field.name)
}

fn write_deserialize(code: &mut Code, def: &StructDef) {
    let name = &def.name;
    code.item_block(&format!("impl<'de> ::serde::Deserialize<'de> for {name}"), |code| {
        code.item_block(DESERIALIZE_FN, |code| {
            code.line("struct ObjectVisitor;");
            code.item_block("impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor", |code| {
                code.item(&format!("type Value = {name};"));
                code.item_block(EXPECTING_FN, |code| {
                    let expecting = format!("a JSON object for {name}");
                    code.stmt(&format!("f.write_str({})", lit(&expecting)));
                });
                let head = format!(
                    "fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) \
                     -> Result<{name}, A::Error>"
                );
                code.item_block(&head, |code| write_visit_map(code, def));
            });
            code.line("deserializer.deserialize_map(ObjectVisitor)");
        });
    });
}

/// The body of `visit_map`: a slot per field, the loop over the object's keys, then the
/// aliases settled, explicit `null`s recorded and the value built.
fn write_visit_map(code: &mut Code, def: &StructDef) {
    let extra = names::EXTRA_FIELD;
    let received_as = names::RECEIVED_AS_FIELD;
    for field in &def.fields {
        code.stmt(&format!("let mut {}: Option<{}> = None;", slot(field), field_type(field)));
        write_alias_slot(code, def, field);
    }
    let tracks = def.has_aliases() || def.fields.iter().any(|f| null_bit(def, f).is_some());
    let mutability = if tracks { "mut " } else { "" };
    code.stmt(&format!("let {mutability}{received_as} = runtime::WireInfo::default();"));
    code.stmt(&format!("let mut {extra} = runtime::UnknownFields::new();"));
    code.stmt_block("while let Some(key) = map.next_key::<runtime::Key<'de>>()?", |code| {
        code.stmt_block("match key.as_str()", |code| {
            for field in &def.fields {
                write_key_arms(code, def, field);
            }
            code.arm(&format!("_ => {extra}.insert(key.into_string(), map.next_value()?),"));
        });
    });
    for field in &def.fields {
        write_settle(code, def, field);
    }
    for field in &def.fields {
        if let Some(bit) = null_bit(def, field) {
            code.stmt_block(&format!("if let Some(None) = &{}", slot(field)), |code| {
                code.stmt(&format!("{received_as}.record_null({bit});"));
            });
        }
    }
    let mut inits: Vec<String> = def
        .fields
        .iter()
        .map(|field| {
            let (member, slot) = (&field.name, slot(field));
            if field.is_optional() {
                format!("{member}: {slot}.flatten()")
            } else {
                let wire = lit(&field.wire);
                format!(
                    "{member}: {slot}.ok_or_else(|| ::serde::de::Error::missing_field({wire}))?"
                )
            }
        })
        .collect();
    inits.push(extra.to_owned());
    inits.push(received_as.to_owned());
    code.stmt(&format!("Ok({})", struct_literal(&def.name, &inits)));
}

/// The `match` arms that read one field: its wire name and each alias. Alias values are read
/// as JSON and settled after the whole object is read ([`write_settle`]).
fn write_key_arms(code: &mut Code, def: &StructDef, field: &Field) {
    let wire = lit(&field.wire);
    code.arm(&format!("{wire} => runtime::read_once(&mut map, &mut {}, {wire})?,", slot(field)));
    let alias_slot = alias_slot(field);
    for (i, (_, alias)) in tracked_aliases(def, field).iter().enumerate() {
        let alias = lit(alias);
        code.arm(&format!(
            "{alias} => runtime::read_alias(&mut map, &mut {alias_slot}[{i}], {alias})?,"
        ));
    }
}

/// The aliases of `field` that `runtime::WireInfo` tracks, with their bits.
fn tracked_aliases<'f>(def: &StructDef, field: &'f Field) -> Vec<(u32, &'f str)> {
    field
        .aliases
        .iter()
        .enumerate()
        .filter_map(|(i, alias)| Some((alias_bit(def, field, i)?, alias.as_str())))
        .collect()
}

fn alias_slot(field: &Field) -> String {
    names::alias_slot(&field.name)
}

/// The local that holds what came under each alias of `field`, if it has any.
fn write_alias_slot(code: &mut Code, def: &StructDef, field: &Field) {
    let count = tracked_aliases(def, field).len();
    if count == 0 {
        return;
    }
    let nones = list((0..count).map(|_| "None".to_owned()));
    code.stmt(&format!(
        "let mut {}: [Option<::serde_json::Value>; {count}] = [{nones}];",
        alias_slot(field)
    ));
}

/// After the object is read: the name wins over its aliases, whatever the member order (see
/// `runtime::settle_aliases`).
fn write_settle(code: &mut Code, def: &StructDef, field: &Field) {
    let aliases = tracked_aliases(def, field);
    if aliases.is_empty() {
        return;
    }
    let pairs = list(aliases.iter().map(|(bit, alias)| format!("({bit}, {})", lit(alias))));
    code.stmt(&format!(
        "runtime::settle_aliases(&mut {}, {}, &[{pairs}], &mut {}, &mut {})?;",
        slot(field),
        alias_slot(field),
        names::RECEIVED_AS_FIELD,
        names::EXTRA_FIELD
    ));
}

// ----- enums -----------------------------------------------------------------------------------

fn write_enum(code: &mut Code, def: &EnumDef) {
    let doc = if def.open {
        paragraphs(&[
            &def.doc,
            "Values the service adds later are kept as [`Self::Unknown`] and written back unchanged.",
        ])
    } else {
        def.doc.clone()
    };
    code.doc(&doc);
    if def.open {
        code.attr("#[derive(Debug, Clone, PartialEq, Eq, Hash)]");
    } else {
        code.attr("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
    }
    code.line("#[non_exhaustive]");
    code.item_block(&format!("pub enum {}", def.name), |code| {
        for v in &def.variants {
            code.doc(&paragraphs(&[&v.doc, &format!("Wire value `{}`.", v.wire)]));
            code.variant(&format!("{},", v.name));
        }
        if def.open {
            code.doc(
                "A value this version of the crate does not know, exactly as the service sent it.",
            );
            code.variant(&format!("{}(String),", names::UNKNOWN_VARIANT));
        }
    });
    write_enum_impls(code, def);
}

fn write_enum_impls(code: &mut Code, def: &EnumDef) {
    let name = &def.name;
    let unknown = names::UNKNOWN_VARIANT;
    code.item_block(&format!("impl {name}"), |code| {
        code.doc("Every documented value.");
        let known = list(def.variants.iter().map(|v| format!("Self::{}", v.name)));
        code.item(&format!("pub const KNOWN: &'static [Self] = &[{known}];"));
        code.doc("The value as it appears on the wire.");
        code.item_block("pub fn as_str(&self) -> &str", |code| {
            code.stmt_block("match self", |code| {
                for v in &def.variants {
                    code.arm(&format!("Self::{} => {},", v.name, lit(&v.wire)));
                }
                if def.open {
                    code.arm(&format!("Self::{unknown}(value) => value,"));
                }
            });
        });
        if def.open {
            code.doc(
                "False for [`Self::Unknown`]: a value this version of the crate does not know.",
            );
            code.item_block("pub fn is_known(&self) -> bool", |code| {
                code.stmt(&format!("!matches!(self, Self::{unknown}(_))"));
            });
        }
    });
    write_display(code, name, "f.write_str(self.as_str())");
    code.item_block(&format!("impl ::std::str::FromStr for {name}"), |code| {
        if def.open {
            code.item("type Err = ::std::convert::Infallible;");
        } else {
            code.item("type Err = runtime::UnknownVariant;");
        }
        code.item_block("fn from_str(value: &str) -> Result<Self, Self::Err>", |code| {
            code.fixed_group("Ok(", ")", |code| {
                code.fixed_block("match value", "},", |code| {
                    for v in &def.variants {
                        code.arm(&format!("{} => Self::{},", lit(&v.wire), v.name));
                    }
                    if def.open {
                        code.arm(&format!("other => Self::{unknown}(other.to_owned()),"));
                    } else {
                        let wires = list(def.variants.iter().map(|v| lit(&v.wire)));
                        code.arm(&format!(
                            "other => return Err(runtime::UnknownVariant::new({}, other, \
                             &[{wires}])),",
                            lit(name)
                        ));
                    }
                });
            });
        });
    });
    code.item_block(&format!("impl ::serde::Serialize for {name}"), |code| {
        code.item_block(SERIALIZE_FN, |code| code.line("serializer.serialize_str(self.as_str())"));
    });
    code.item_block(&format!("impl<'de> ::serde::Deserialize<'de> for {name}"), |code| {
        code.item_block(DESERIALIZE_FN, |code| {
            code.line("runtime::deserialize_enum(deserializer)")
        });
    });
}

/// `Display` for `name`, whose `fmt` is `body`.
fn write_display(code: &mut Code, name: &str, body: &str) {
    code.item_block(&format!("impl ::std::fmt::Display for {name}"), |code| {
        code.item_block(FMT_FN, |code| code.line(body));
    });
}

// ----- newtypes --------------------------------------------------------------------------------

fn write_newtype(code: &mut Code, def: &NewtypeDef) {
    let name = &def.name;
    let inner = type_text(&def.inner);
    code.doc(&def.doc);
    code.attr(
        "#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, \
         ::serde::Deserialize)]",
    );
    code.line("#[serde(transparent)]");
    code.item(&format!("pub struct {name}(pub {inner});"));
    code.item_block(&format!("impl From<{inner}> for {name}"), |code| {
        code.item_block(&format!("fn from(value: {inner}) -> Self"), |code| {
            code.line("Self(value)");
        });
    });
    write_display(code, name, "::std::fmt::Display::fmt(&self.0, f)");
    if def.inner == Type::String {
        code.item_block(&format!("impl {name}"), |code| {
            code.doc("The id as text.");
            code.item_block("pub fn as_str(&self) -> &str", |code| code.line("&self.0"));
        });
        code.item_block(&format!("impl From<&str> for {name}"), |code| {
            code.item_block("fn from(value: &str) -> Self", |code| {
                code.line("Self(value.to_owned())");
            });
        });
        code.item_block(&format!("impl AsRef<str> for {name}"), |code| {
            code.item_block("fn as_ref(&self) -> &str", |code| code.line("&self.0"));
        });
    }
}
