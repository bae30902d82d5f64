//! Reading JSON objects field by field, so that every error names its field and unknown keys are found.
//!
//! Kept by hand: serde's derive names an unknown field but not the field of a wrong type (that needs
//! serde_path_to_error), says nothing of our ranges (`1 to 86400000`), and treats `null` as a type error
//! where the bindings send it for "not set"; these ~80 lines keep every message naming its key and range.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Parses `text` as a JSON object; `name` names it in the error otherwise.
pub(crate) fn object(text: &str, name: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::invalid_argument(name, "must be a JSON object")),
        Err(e) => Err(Error::invalid_argument(name, format_args!("not valid JSON ({e})"))),
    }
}

/// Takes fields out of a JSON object one by one, so that what is left at the end is unknown.
pub(crate) struct Fields<'a> {
    map: &'a mut Map<String, Value>,
    prefix: &'static str,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a mut Map<String, Value>, prefix: &'static str) -> Fields<'a> {
        Fields { map, prefix }
    }

    /// Takes a value of any type (for nested objects).
    pub fn take_raw(&mut self, key: &str) -> Option<Value> {
        self.take(key)
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    pub fn required_string(&mut self, key: &str) -> Result<String> {
        self.optional_string(key)?
            .ok_or_else(|| Error::invalid_argument(&self.name(key), "is required"))
    }

    pub fn optional_string(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::invalid_argument(&self.name(key), "must be a string")),
        }
    }

    pub fn optional_bool(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(Error::invalid_argument(&self.name(key), "must be true or false")),
        }
    }

    pub fn optional_u64(&mut self, key: &str, min: u64, max: u64) -> Result<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(Error::invalid_argument(
                    &self.name(key),
                    format_args!("must be an integer from {min} to {max}"),
                )),
            },
            Some(_) => Err(Error::invalid_argument(&self.name(key), "must be an integer")),
        }
    }

    /// A signed integer from `min` to `max` (for values the service, not we, judges below zero).
    pub fn optional_i64(&mut self, key: &str, min: i64, max: i64) -> Result<Option<i64>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(Error::invalid_argument(
                    &self.name(key),
                    format_args!("must be an integer from {min} to {max}"),
                )),
            },
            Some(_) => Err(Error::invalid_argument(&self.name(key), "must be an integer")),
        }
    }

    /// Milliseconds, 1 ms to 24 h.
    pub fn optional_millis(&mut self, key: &str) -> Result<Option<Duration>> {
        Ok(self.optional_u64(key, 1, 86_400_000)?.map(Duration::from_millis))
    }

    pub fn reject_unknown(&self) -> Result<()> {
        match self.map.keys().next() {
            Some(key) => Err(Error::invalid_argument(
                &self.name(key),
                "is not a known configuration key",
            )),
            None => Ok(()),
        }
    }
}
