//! `src/models.rs`: a struct, enum or newtype for every `$defs` entry.
//!
//! Request-only structs derive serde. Structs that can appear in a response get generated
//! `Serialize`/`Deserialize` impls instead, which keep unknown members in `extra` (matching
//! known keys without buffering the object) and write each member back under the wire name it
//! arrived with.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{doc_attrs, paragraphs};
use crate::ir::{Api, EnumDef, Field, NewtypeDef, StructDef, Type, TypeDef};
use crate::names::{self, ident};

/// The whole `models.rs` file.
pub fn expand_models(api: &Api) -> TokenStream {
    let items = api.types.iter().map(|def| match def {
        TypeDef::Struct(def) => expand_struct(def),
        TypeDef::Enum(def) => expand_enum(def),
        TypeDef::Newtype(def) => expand_newtype(def),
    });
    quote! {
        //! Data types: every object, enum and id of the API.

        use ::mde_runtime::__private as runtime;

        #(#items)*
    }
}

/// The Rust type of a value, as written inside `models.rs`.
fn expand_type(ty: &Type) -> TokenStream {
    super::rust_type(ty, &TokenStream::new())
}

fn field_type(field: &Field) -> TokenStream {
    let ty = expand_type(&field.ty);
    let ty = if field.boxed { quote!(Box<#ty>) } else { ty };
    if field.is_optional() { quote!(Option<#ty>) } else { ty }
}

fn field_doc(field: &Field) -> TokenStream {
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
    doc_attrs(&paragraphs(&[&field.doc, &format!("{wire} {aliases}")]))
}

// ----- structs ---------------------------------------------------------------------------------

fn expand_struct(def: &StructDef) -> TokenStream {
    let reference = def.docs_url.as_ref().map(|url| format!("[Microsoft Learn]({url})"));
    let doc = doc_attrs(&paragraphs(&[&def.doc, reference.as_deref().unwrap_or("")]));
    let name = ident(&def.name);
    let fields = def.fields.iter().map(|field| {
        let doc = field_doc(field);
        let name = ident(&field.name);
        let ty = field_type(field);
        let serde_attr = (!def.in_response).then(|| expand_serde_field_attr(field));
        quote! { #doc #serde_attr pub #name: #ty, }
    });
    let extra = def.in_response.then(|| {
        let extra = ident(names::EXTRA_FIELD);
        quote! {
            /// JSON members the service sent that this version of the crate does not model,
            /// kept so that serializing the value again loses nothing.
            pub #extra: runtime::UnknownFields,
        }
    });
    let received_as = def.in_response.then(|| {
        let received_as = ident(names::RECEIVED_AS_FIELD);
        quote! { #received_as: runtime::WireInfo, }
    });
    // Response models print their fields by hand, leaving out the wire bookkeeping.
    let manual_debug = def.in_response || def.fields.iter().any(|f| f.sensitive);
    let debug = (!manual_debug).then(|| quote!(Debug,));
    let derives = if def.in_response {
        quote!(#[derive(#debug Clone, PartialEq)])
    } else {
        let deny = def.closed.then(|| quote!(#[serde(deny_unknown_fields)]));
        quote! { #[derive(#debug Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)] #deny }
    };
    let redacted_debug = manual_debug.then(|| expand_debug(def));
    let constructors = expand_constructors(def);
    let serde_impls = def.in_response.then(|| {
        let ser = expand_serialize(def);
        let de = expand_deserialize(def);
        quote! { #ser #de }
    });
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #extra
            #received_as
        }
        #constructors
        #redacted_debug
        #serde_impls
    }
}

/// `Debug` by hand: `<redacted>` for members marked `x-sensitive`, and no wire bookkeeping.
fn expand_debug(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let label = &def.name;
    let fields = def.fields.iter().map(|f| {
        let member = ident(&f.name);
        let label = names::bare(&f.name);
        if f.sensitive {
            quote!(.field(#label, &runtime::Redacted))
        } else {
            quote!(.field(#label, &self.#member))
        }
    });
    let extra = def.in_response.then(|| {
        let extra = ident(names::EXTRA_FIELD);
        quote!(.field("extra", &self.#extra))
    });
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label) #(#fields)* #extra .finish()
            }
        }
    }
}

fn expand_serde_field_attr(field: &Field) -> TokenStream {
    let wire = &field.wire;
    let aliases = field.aliases.iter().map(|a| quote!(alias = #a,));
    let skip = (!field.required).then(|| quote!(skip_serializing_if = "Option::is_none",));
    let default = (!field.required).then(|| quote!(default,));
    quote! { #[serde(rename = #wire, #(#aliases)* #skip #default)] }
}

/// `new(required…)` and a `with_*` setter per optional field.
fn expand_constructors(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let required: Vec<&Field> = def.fields.iter().filter(|f| !f.is_optional()).collect();
    let params = required.iter().map(|f| {
        let name = ident(&f.name);
        let ty = expand_type(&f.ty);
        quote! { #name: impl Into<#ty> }
    });
    let inits = def.fields.iter().map(|f| {
        let name = ident(&f.name);
        if f.is_optional() { quote!(#name: None,) } else { quote!(#name: #name.into(),) }
    });
    let extra = def.in_response.then(|| {
        let extra = ident(names::EXTRA_FIELD);
        quote!(#extra: runtime::UnknownFields::new(),)
    });
    let received_as = def.in_response.then(|| {
        let received_as = ident(names::RECEIVED_AS_FIELD);
        quote!(#received_as: runtime::WireInfo::default(),)
    });
    let setters = def.fields.iter().filter(|f| f.is_optional()).map(expand_setter);
    let new_doc = if required.is_empty() {
        " Creates a value with every field empty.".to_owned()
    } else {
        let list: Vec<String> =
            required.iter().map(|f| format!("`{}`", names::bare(&f.name))).collect();
        format!(
            " Creates a value from its required fields ({}); every optional field starts empty.",
            list.join(", ")
        )
    };
    // A value without required fields has an obvious default: the empty one.
    let default = required.is_empty().then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits)* #extra #received_as }
            }
            #(#setters)*
        }
        #default
    }
}

fn expand_setter(field: &Field) -> TokenStream {
    let name = ident(&field.name);
    let setter = ident(&names::setter(&field.name));
    let ty = expand_type(&field.ty);
    let doc = format!(" Sets [`Self::{}`].", names::bare(&field.name));
    let value = if field.boxed { quote!(Box::new(value.into())) } else { quote!(value.into()) };
    quote! {
        #[doc = #doc]
        #[must_use]
        pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
            self.#name = Some(#value);
            self
        }
    }
}

/// Optional fields get a bit in `runtime::WireInfo` recording an explicit `null`, so it is
/// written back; the first 64 are tracked.
fn null_bit(def: &StructDef, field: &Field) -> Option<proc_macro2::Literal> {
    let index = def.fields.iter().filter(|f| !f.required).position(|f| f.wire == field.wire)?;
    bit_literal(index)
}

fn bit_literal(index: usize) -> Option<proc_macro2::Literal> {
    u32::try_from(index)
        .ok()
        .filter(|bit| *bit < TRACKED_NULLS)
        .map(proc_macro2::Literal::u32_unsuffixed)
}

/// How many optional members, and how many aliases, per object `runtime::WireInfo` tracks.
const TRACKED_NULLS: u32 = 64;

/// The `runtime::WireInfo` bit recording that `field` arrived under its alias number `index`:
/// aliases are numbered across the object, the first 64 tracked.
fn alias_bit(def: &StructDef, field: &Field, index: usize) -> Option<proc_macro2::Literal> {
    let before: usize =
        def.fields.iter().take_while(|f| f.wire != field.wire).map(|f| f.aliases.len()).sum();
    bit_literal(before + index)
}

fn expand_serialize(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let received_as = ident(names::RECEIVED_AS_FIELD);
    let entries = def.fields.iter().map(|field| {
        let member = ident(&field.name);
        let wire = &field.wire;
        let key = if field.aliases.is_empty() {
            quote!(#wire)
        } else {
            let aliases = field.aliases.iter().enumerate().filter_map(|(i, alias)| {
                let bit = alias_bit(def, field, i)?;
                Some(quote!((#bit, #alias)))
            });
            quote!(self.#received_as.pick(#wire, &[#(#aliases),*]))
        };
        match (field.required, null_bit(def, field)) {
            (true, _) => quote! { map.serialize_entry(#key, &self.#member)?; },
            (false, Some(bit)) => quote! {
                match &self.#member {
                    Some(value) => map.serialize_entry(#key, value)?,
                    None if self.#received_as.was_null(#bit) => map.serialize_entry(#key, &())?,
                    None => {}
                }
            },
            (false, None) => quote! {
                if let Some(value) = &self.#member {
                    map.serialize_entry(#key, value)?;
                }
            },
        }
    });
    let extra = ident(names::EXTRA_FIELD);
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                #(#entries)*
                for (key, value) in self.#extra.iter() {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

fn slot(field: &Field) -> proc_macro2::Ident {
    ident(&names::slot(&field.name))
}

fn expand_deserialize(def: &StructDef) -> TokenStream {
    let name = ident(&def.name);
    let expecting = format!("a JSON object for {}", def.name);
    let slots = def.fields.iter().map(|field| {
        let slot = slot(field);
        let ty = field_type(field);
        let alias_slot = expand_alias_slot(def, field);
        quote! { let mut #slot: Option<#ty> = None; #alias_slot }
    });
    let settles = def.fields.iter().filter_map(|field| expand_settle(def, field));
    let arms = def.fields.iter().map(|field| expand_key_arm(def, field));
    let extra = ident(names::EXTRA_FIELD);
    let received_as = ident(names::RECEIVED_AS_FIELD);
    let tracks = def.has_aliases() || def.fields.iter().any(|f| null_bit(def, f).is_some());
    let mutability = tracks.then(|| quote!(mut));
    let nulls = def.fields.iter().filter_map(|field| {
        let bit = null_bit(def, field)?;
        let slot = slot(field);
        Some(quote! {
            if let Some(None) = &#slot {
                #received_as.record_null(#bit);
            }
        })
    });
    let inits = def.fields.iter().map(|field| {
        let member = ident(&field.name);
        let slot = slot(field);
        let wire = &field.wire;
        if field.is_optional() {
            quote!(#member: #slot.flatten(),)
        } else {
            quote!(#member: #slot.ok_or_else(|| ::serde::de::Error::missing_field(#wire))?,)
        }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;

                impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #(#slots)*
                        let #mutability #received_as = runtime::WireInfo::default();
                        let mut #extra = runtime::UnknownFields::new();
                        while let Some(key) = map.next_key::<runtime::Key<'de>>()? {
                            match key.as_str() {
                                #(#arms)*
                                _ => #extra.insert(key.into_string(), map.next_value()?),
                            }
                        }
                        #(#settles)*
                        #(#nulls)*
                        Ok(#name { #(#inits)* #extra, #received_as })
                    }
                }

                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    }
}

/// The `match` arms that read one field: its wire name and each alias. Alias values are read
/// as JSON and settled after the whole object is read ([`expand_settle`]).
fn expand_key_arm(def: &StructDef, field: &Field) -> TokenStream {
    let slot = slot(field);
    let wire = &field.wire;
    let aliases = tracked_aliases(def, field);
    let alias_slot = alias_slot(field);
    let alias_arms = aliases.iter().enumerate().map(|(i, (_, alias))| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote! { #alias => runtime::read_alias(&mut map, &mut #alias_slot[#i], #alias)?, }
    });
    quote! {
        #wire => runtime::read_once(&mut map, &mut #slot, #wire)?,
        #(#alias_arms)*
    }
}

/// The aliases of `field` that `runtime::WireInfo` tracks, with their bits.
fn tracked_aliases<'f>(def: &StructDef, field: &'f Field) -> Vec<(proc_macro2::Literal, &'f str)> {
    field
        .aliases
        .iter()
        .enumerate()
        .filter_map(|(i, alias)| Some((alias_bit(def, field, i)?, alias.as_str())))
        .collect()
}

fn alias_slot(field: &Field) -> proc_macro2::Ident {
    ident(&names::alias_slot(&field.name))
}

/// The local that holds what came under each alias of `field`, if it has any.
fn expand_alias_slot(def: &StructDef, field: &Field) -> Option<TokenStream> {
    let count = tracked_aliases(def, field).len();
    if count == 0 {
        return None;
    }
    let alias_slot = alias_slot(field);
    let nones = (0..count).map(|_| quote!(None));
    let count = proc_macro2::Literal::usize_unsuffixed(count);
    Some(quote! {
        let mut #alias_slot: [Option<::serde_json::Value>; #count] = [#(#nones),*];
    })
}

/// After the object is read: the name wins over its aliases, whatever the member order (see
/// `runtime::settle_aliases`).
fn expand_settle(def: &StructDef, field: &Field) -> Option<TokenStream> {
    let aliases = tracked_aliases(def, field);
    if aliases.is_empty() {
        return None;
    }
    let slot = slot(field);
    let alias_slot = alias_slot(field);
    let pairs = aliases.iter().map(|(bit, alias)| quote!((#bit, #alias)));
    let received_as = ident(names::RECEIVED_AS_FIELD);
    let extra = ident(names::EXTRA_FIELD);
    Some(quote! {
        runtime::settle_aliases(&mut #slot, #alias_slot, &[#(#pairs),*], &mut #received_as, &mut #extra)?;
    })
}

// ----- enums -----------------------------------------------------------------------------------

fn expand_enum(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let unknown = ident(names::UNKNOWN_VARIANT);
    let doc_text = if def.open {
        paragraphs(&[
            &def.doc,
            "Values the service adds later are kept as [`Self::Unknown`] and written back unchanged.",
        ])
    } else {
        def.doc.clone()
    };
    let doc = doc_attrs(&doc_text);
    let variants = def.variants.iter().map(|v| {
        let doc = doc_attrs(&paragraphs(&[&v.doc, &format!("Wire value `{}`.", v.wire)]));
        let name = ident(&v.name);
        quote! { #doc #name, }
    });
    let unknown_variant = def.open.then(|| {
        quote! {
            /// A value this version of the crate does not know, exactly as the service sent it.
            #unknown(String),
        }
    });
    let derives = if def.open {
        quote!(#[derive(Debug, Clone, PartialEq, Eq, Hash)])
    } else {
        quote!(#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)])
    };
    let impls = expand_enum_impls(def);
    quote! {
        #doc
        #derives
        #[non_exhaustive]
        pub enum #name {
            #(#variants)*
            #unknown_variant
        }
        #impls
    }
}

fn expand_enum_impls(def: &EnumDef) -> TokenStream {
    let name = ident(&def.name);
    let unknown = ident(names::UNKNOWN_VARIANT);
    let variant_idents: Vec<_> = def.variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = def.variants.iter().map(|v| v.wire.as_str()).collect();
    let unknown_as_str = def.open.then(|| quote!(Self::#unknown(value) => value,));
    let (from_str_err, from_str_fallback) = if def.open {
        (quote!(::std::convert::Infallible), quote!(other => Self::#unknown(other.to_owned()),))
    } else {
        let enum_name = &def.name;
        let fallback = quote! {
            other => return Err(runtime::UnknownVariant::new(#enum_name, other, &[#(#wires),*])),
        };
        (quote!(runtime::UnknownVariant), fallback)
    };
    let is_known = def.open.then(|| {
        quote! {
            /// False for [`Self::Unknown`]: a value this version of the crate does not know.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::#unknown(_))
            }
        }
    });
    quote! {
        impl #name {
            /// Every documented value.
            pub const KNOWN: &'static [Self] = &[#(Self::#variant_idents),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variant_idents => #wires,)*
                    #unknown_as_str
                }
            }

            #is_known
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = #from_str_err;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(match value {
                    #(#wires => Self::#variant_idents,)*
                    #from_str_fallback
                })
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                runtime::deserialize_enum(deserializer)
            }
        }
    }
}

// ----- newtypes --------------------------------------------------------------------------------

fn expand_newtype(def: &NewtypeDef) -> TokenStream {
    let doc = doc_attrs(&def.doc);
    let name = ident(&def.name);
    let inner = expand_type(&def.inner);
    let string_impls = (def.inner == Type::String).then(|| {
        quote! {
            impl #name {
                /// The id as text.
                pub fn as_str(&self) -> &str {
                    &self.0
                }
            }

            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    Self(value.to_owned())
                }
            }

            impl AsRef<str> for #name {
                fn as_ref(&self) -> &str {
                    &self.0
                }
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct #name(pub #inner);

        impl From<#inner> for #name {
            fn from(value: #inner) -> Self {
                Self(value)
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        #string_impls
    }
}
