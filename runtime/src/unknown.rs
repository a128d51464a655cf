//! [`UnknownFields`]: the JSON members a response carried that this version of the crate does
//! not model, kept so that serializing the value again loses nothing.

use std::sync::LazyLock;

use serde_json::{Map, Value};

/// JSON members the service sent that the spec does not describe (yet), sorted by name.
/// Serializing the model writes them back unchanged (member order aside, which JSON does not
/// give meaning to).
///
/// Almost every response carries none, so the map is allocated only once a member is kept:
/// an empty value is one pointer wide, which keeps every model (and every page of them) small.
#[derive(Debug, Clone, Default)]
pub struct UnknownFields(Option<Box<Map<String, Value>>>);

/// What [`UnknownFields::as_map`] lends when nothing is kept.
static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl UnknownFields {
    /// No unknown members.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of the unknown member `name`, if it came in.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.as_ref()?.get(name)
    }

    /// Adds or replaces a member.
    pub fn insert(&mut self, name: String, value: Value) {
        self.0.get_or_insert_default().insert(name, value);
    }

    /// True when the service sent nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|map| map.is_empty())
    }

    /// Number of unknown members.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |map| map.len())
    }

    /// Every unknown member.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().flat_map(|map| map.iter())
    }

    /// The members as a JSON map.
    pub fn as_map(&self) -> &Map<String, Value> {
        self.0.as_deref().unwrap_or(&EMPTY)
    }
}

/// Equal when the same members are kept, however the value was built.
impl PartialEq for UnknownFields {
    fn eq(&self, other: &Self) -> bool {
        self.as_map() == other.as_map()
    }
}

impl From<Map<String, Value>> for UnknownFields {
    fn from(map: Map<String, Value>) -> Self {
        Self((!map.is_empty()).then(|| Box::new(map)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_value_is_one_pointer_and_equals_any_other_empty_one() {
        assert_eq!(std::mem::size_of::<UnknownFields>(), std::mem::size_of::<usize>());
        assert_eq!(UnknownFields::new(), UnknownFields::from(Map::new()));
        assert!(UnknownFields::new().as_map().is_empty());
    }

    #[test]
    fn kept_members_read_back() {
        let mut fields = UnknownFields::new();
        fields.insert("b".into(), Value::from(2));
        fields.insert("a".into(), Value::from(1));
        assert_eq!(fields.len(), 2);
        assert_eq!(fields.get("a"), Some(&Value::from(1)));
        assert_eq!(fields.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let map: Map<String, Value> = fields.as_map().clone();
        assert_eq!(UnknownFields::from(map), fields);
    }
}
