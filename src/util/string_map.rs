//! [`StringMap`]: a JS object of strings (`Record<string, string>`) kept as its entries, in
//! order.
//!
//! The crate's maps of strings (a URL source's request headers, the suggested mapping's
//! standard fields) are short and only walked, looked up by a linear search or added to; a
//! `BTreeMap<String, String>` for them was the module's second B-tree instantiation, 1.3 KB
//! gzip (issue 15, tests/bench/README.md, fifteenth round). Written here rather than taken
//! from a library for a measured reason: `litemap` (a sorted `Vec` map with serde) built the
//! module 310 B larger than this type, with the budget 0.9 KB away; `indexmap` would bring
//! one more hash table instantiation.
//!
//! Read and written as a JSON object (serde here; the core's reader and writer in
//! `crate::read` and `crate::write`). Entries keep the order they came in: a JSON object read
//! by serde_json comes in key order; [`StringMap::insert`] appends a new key.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// Entries `(key, value)`, each key once: the entries are the crate's to build (from a JSON
/// object, whose keys are unique, or by [`StringMap::insert`]), so that the object written and
/// the headers sent never repeat a key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringMap(pub(crate) Vec<(String, String)>);

impl StringMap {
    /// The value of `key`, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key` to `value`: in place when the key is there, appended otherwise.
    pub fn insert(&mut self, key: String, value: String) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for StringMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = StringMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMap, A::Error> {
                let mut out = StringMap::default();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_a_key_in_place_and_appends_a_new_one() {
        let mut m = StringMap::default();
        m.insert("b".into(), "1".into());
        m.insert("a".into(), "2".into());
        m.insert("b".into(), "3".into());
        assert_eq!(m.iter().collect::<Vec<_>>(), [("b", "3"), ("a", "2")]);
        assert_eq!(m.get("b"), Some("3"));
        assert_eq!(m.get("c"), None);
        assert_eq!(m.len(), 2);
        assert!(!m.is_empty());
    }

    #[test]
    fn serde_reads_and_writes_an_object() {
        // serde_json's `from_str` gives the entries in the text's order.
        let m: StringMap = serde_json::from_str(r#"{"x": "1", "a": "2"}"#).unwrap(); // ok: test
        assert_eq!(m.iter().collect::<Vec<_>>(), [("x", "1"), ("a", "2")]);
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"x":"1","a":"2"}"#); // ok: test
        let bad = serde_json::from_str::<StringMap>(r#"{"x": 1}"#).unwrap_err(); // ok: test
        assert!(bad.to_string().contains("expected a string"), "{bad}");
        let bad = serde_json::from_str::<StringMap>("[]").unwrap_err(); // ok: test
        assert!(bad.to_string().contains("a map of strings"), "{bad}");
    }
}
