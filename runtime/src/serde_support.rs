//! Small serde building blocks shared by every generated model.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};

/// An object key, borrowed from the input when the deserializer allows it (so matching known
/// member names allocates nothing).
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key text.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string.
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            #[inline]
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            // Keys with escapes are rare: kept out of line so that reading a key stays
            // small enough to be inlined into the generated visitors.
            #[cold]
            #[inline(never)]
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// How a value arrived on the wire, where that differs from how this crate would write it:
/// which documented alternative names its members came under, and which optional members were
/// an explicit `null` rather than absent. Serializing writes the value back the same way.
///
/// It is bookkeeping, not data: two values that differ only in it compare equal. It is one
/// 64-bit set, so that it adds only a word to every model: null bits count up from bit 0 and
/// alias bits down from bit 63. The generated code numbers an object's aliases first and gives
/// its optional members only the bits left, so the two never meet.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireInfo {
    bits: u64,
}

impl WireInfo {
    /// Notes that a member arrived under its alias number `bit` (0–63, numbered across the
    /// object by the generated code).
    #[inline]
    pub fn record_alias(&mut self, bit: u32) {
        self.bits |= alias_mask(bit);
    }

    /// True when a member arrived under alias number `bit`.
    pub fn has_alias(&self, bit: u32) -> bool {
        self.bits & alias_mask(bit) != 0
    }

    /// The name to write a member under: the alias it arrived under, if any, else `canonical`.
    /// `aliases` pairs each alias's bit with its name.
    pub fn pick(&self, canonical: &'static str, aliases: &[(u32, &'static str)]) -> &'static str {
        aliases.iter().find(|(bit, _)| self.has_alias(*bit)).map_or(canonical, |(_, name)| name)
    }

    /// Notes that optional member number `bit` (0–63, below the object's alias bits) arrived
    /// as `null`.
    #[inline]
    pub fn record_null(&mut self, bit: u32) {
        self.bits |= null_mask(bit);
    }

    /// True when optional member number `bit` arrived as `null`.
    pub fn was_null(&self, bit: u32) -> bool {
        self.bits & null_mask(bit) != 0
    }
}

/// The bit of null number `bit`, counted from the bottom; none past 63.
#[inline]
fn null_mask(bit: u32) -> u64 {
    1u64.checked_shl(bit).unwrap_or(0)
}

/// The bit of alias number `bit`, counted from the top; none past 63.
#[inline]
fn alias_mask(bit: u32) -> u64 {
    63u32.checked_sub(bit).map_or(0, |from_bottom| 1 << from_bottom)
}

impl PartialEq for WireInfo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Reads the next map value into `slot`, refusing a member that appears twice (under its
/// name or an alias).
#[inline]
pub fn read_once<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error>
where
    A: de::MapAccess<'de>,
    T: de::Deserialize<'de>,
{
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of a member that came under one of its aliases, as JSON, into `slot`
/// (refusing the same alias twice). [`settle_aliases`] decides later which name's value the
/// field takes, so that the result does not depend on member order.
#[inline]
pub fn read_alias<'de, A>(
    map: &mut A,
    slot: &mut Option<serde_json::Value>,
    name: &'static str,
) -> Result<(), A::Error>
where
    A: de::MapAccess<'de>,
{
    read_once(map, slot, name)
}

/// Settles a member that may have come under its name and any of its aliases, the same way
/// whatever their order in the object: the name wins; without it, the first alias in the
/// spec's order wins (and is remembered in `wire`, so the value is written back under it).
/// The values of the other names are kept in `extra`, under their own names.
///
/// `values[i]` holds what came under `aliases[i]` (its `WireInfo` bit and name).
#[inline]
pub fn settle_aliases<T, E, const N: usize>(
    slot: &mut Option<T>,
    values: [Option<serde_json::Value>; N],
    aliases: &[(u32, &'static str); N],
    wire: &mut WireInfo,
    extra: &mut crate::UnknownFields,
) -> Result<(), E>
where
    T: de::DeserializeOwned,
    E: de::Error,
{
    if values.iter().all(Option::is_none) {
        // Nothing in it to drop: skip the drop glue on the common path.
        std::mem::forget(values);
        return Ok(());
    }
    settle_sent_aliases(slot, values, aliases, wire, extra)
}

/// [`settle_aliases`] once some alias was sent.
#[cold]
fn settle_sent_aliases<T, E, const N: usize>(
    slot: &mut Option<T>,
    values: [Option<serde_json::Value>; N],
    aliases: &[(u32, &'static str); N],
    wire: &mut WireInfo,
    extra: &mut crate::UnknownFields,
) -> Result<(), E>
where
    T: de::DeserializeOwned,
    E: de::Error,
{
    for (value, (bit, name)) in values.into_iter().zip(aliases) {
        let Some(value) = value else { continue };
        if slot.is_some() {
            extra.insert((*name).to_owned(), value);
        } else {
            *slot = Some(T::deserialize(value).map_err(E::custom)?);
            wire.record_alias(*bit);
        }
    }
    Ok(())
}

/// Prints `<redacted>` in place of a secret in `Debug` output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A value that is not one of a closed enum's documented values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownVariant {
    /// The enum's Rust name.
    pub enum_name: &'static str,
    /// The value that was given.
    pub value: String,
    /// The documented values.
    pub expected: &'static [&'static str],
}

impl UnknownVariant {
    /// `value` is not one of `expected`, the values of `enum_name`.
    #[doc(hidden)]
    pub fn new(
        enum_name: &'static str,
        value: impl Into<String>,
        expected: &'static [&'static str],
    ) -> Self {
        Self { enum_name, value: value.into(), expected }
    }
}

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} value `{}`; expected one of: {}",
            self.enum_name,
            self.value,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownVariant {}

/// Deserializes a string enum through its `FromStr` impl.
pub fn deserialize_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct EnumVisitor<T>(PhantomData<T>);

    impl<T> Visitor<'_> for EnumVisitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }

    deserializer.deserialize_str(EnumVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UnknownFields;

    #[test]
    fn wire_info_is_one_word() {
        assert_eq!(std::mem::size_of::<WireInfo>(), 8);
    }

    #[test]
    fn nulls_and_aliases_share_the_word_without_meeting() {
        // Three aliases leave 61 null bits, as the generated code numbers them.
        let mut wire = WireInfo::default();
        (0..61).for_each(|bit| wire.record_null(bit));
        wire.record_alias(1);
        assert!((0..61).all(|bit| wire.was_null(bit)));
        assert!(!wire.has_alias(0) && wire.has_alias(1) && !wire.has_alias(2));
        assert_eq!(wire.pick("name", &[(0, "Name"), (1, "NAME")]), "NAME");

        let mut wire = WireInfo::default();
        (0..3).for_each(|bit| wire.record_alias(bit));
        assert!((0..61).all(|bit| !wire.was_null(bit)));
    }

    #[test]
    fn bits_past_the_word_are_ignored() {
        let mut wire = WireInfo::default();
        for bit in [64, 65, u32::MAX] {
            wire.record_null(bit);
            wire.record_alias(bit);
            assert!(!wire.was_null(bit) && !wire.has_alias(bit));
        }
        assert_eq!(wire.bits, 0);
    }

    #[test]
    fn aliases_settle_only_when_one_was_sent() {
        type Error = serde_json::Error;
        let aliases = [(0, "formerName"), (1, "oldName")];

        let (mut slot, mut wire, mut extra) =
            (None::<String>, WireInfo::default(), UnknownFields::new());
        settle_aliases::<_, Error, 2>(&mut slot, [None, None], &aliases, &mut wire, &mut extra)
            .expect("nothing to settle");
        assert_eq!((slot, wire.bits, extra.len()), (None, 0, 0));

        let sent = [Some("a".into()), Some("b".into())];
        let (mut slot, mut wire, mut extra) =
            (None::<String>, WireInfo::default(), UnknownFields::new());
        settle_aliases::<_, Error, 2>(&mut slot, sent, &aliases, &mut wire, &mut extra)
            .expect("settles");
        assert_eq!(slot.as_deref(), Some("a"));
        assert!(wire.has_alias(0) && !wire.has_alias(1));
        assert_eq!(extra.get("oldName"), Some(&serde_json::json!("b")));
    }
}
