//! [`UnknownFields`]: the JSON members a response carried that this version of the crate does
//! not model, kept so that serializing the value again loses nothing.

use serde_json::{Map, Value};

/// JSON members the service sent that the spec does not describe (yet), sorted by name.
/// Serializing the model writes them back unchanged (member order aside, which JSON does not
/// give meaning to).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownFields(Map<String, Value>);

impl UnknownFields {
    /// No unknown members.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of the unknown member `name`, if it came in.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Adds or replaces a member.
    pub fn insert(&mut self, name: String, value: Value) {
        self.0.insert(name, value);
    }

    /// True when the service sent nothing unknown.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of unknown members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every unknown member.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// The members as a JSON map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl From<Map<String, Value>> for UnknownFields {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}
