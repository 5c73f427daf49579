//! The one place where script values and host data meet: Rhai values to JSON
//! (then typed with serde) and host inputs to Rhai maps.

use rhai::{Array, Dynamic, Map};
use serde_json::{Number, Value};

use super::prelude::Date;

/// Script value to JSON. Dates become `YYYY-MM-DD`; anything a hook has no
/// business returning (functions, custom types) is an error naming the path.
pub fn to_json(value: &Dynamic, path: &str) -> Result<Value, String> {
    // Probe by reference: cloning a map or array `Dynamic` copies it deeply.
    if value.is_unit() {
        Ok(Value::Null)
    } else if let Ok(b) = value.as_bool() {
        Ok(Value::Bool(b))
    } else if let Ok(i) = value.as_int() {
        Ok(Value::Number(i.into()))
    } else if let Ok(f) = value.as_float() {
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| format!("{path}: {f} is not a finite number"))
    } else if value.is_string() || value.is_char() {
        Ok(Value::String(value.to_string()))
    } else if let Some(d) = value.read_lock::<Date>() {
        Ok(Value::String(d.to_string()))
    } else if let Some(array) = value.read_lock::<Array>() {
        array
            .iter()
            .enumerate()
            .map(|(i, item)| to_json(item, &format!("{path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    } else if let Some(map) = value.read_lock::<Map>() {
        map.iter()
            .map(|(k, v)| Ok((k.to_string(), to_json(v, &join(path, k))?)))
            .collect::<Result<serde_json::Map<_, _>, String>>()
            .map(Value::Object)
    } else {
        Err(format!(
            "{path}: a hook may not return a value of type `{}`",
            value.type_name()
        ))
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A map under construction for a hook's input.
#[derive(Default)]
pub struct MapBuilder(Map);

impl MapBuilder {
    pub fn str(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), Dynamic::from(value.into()));
        self
    }
    pub fn opt_str(mut self, key: &str, value: Option<impl Into<String>>) -> Self {
        self.0.insert(
            key.into(),
            value.map_or(Dynamic::UNIT, |v| Dynamic::from(v.into())),
        );
        self
    }
    pub fn bool(mut self, key: &str, value: bool) -> Self {
        self.0.insert(key.into(), Dynamic::from(value));
        self
    }
    pub fn int(mut self, key: &str, value: i64) -> Self {
        self.0.insert(key.into(), Dynamic::from(value));
        self
    }
    pub fn date(mut self, key: &str, value: chrono::NaiveDate) -> Self {
        self.0.insert(key.into(), Dynamic::from(Date(value)));
        self
    }
    pub fn opt_date(mut self, key: &str, value: Option<chrono::NaiveDate>) -> Self {
        self.0.insert(
            key.into(),
            value.map_or(Dynamic::UNIT, |d| Dynamic::from(Date(d))),
        );
        self
    }
    pub fn strs(mut self, key: &str, values: &[&str]) -> Self {
        let array: Array = values
            .iter()
            .map(|v| Dynamic::from(v.to_string()))
            .collect();
        self.0.insert(key.into(), Dynamic::from_array(array));
        self
    }
    pub fn build(self) -> Dynamic {
        Dynamic::from_map(self.0)
    }
    pub fn into_map(self) -> Map {
        self.0
    }
}

/// Fills the keys a test left out with the plain defaults.
pub fn with_defaults(given: &Dynamic, defaults: Map) -> Dynamic {
    match given.read_lock::<Map>() {
        Some(map) => {
            let mut merged = defaults;
            for (k, v) in map.iter() {
                merged.insert(k.clone(), v.clone());
            }
            Dynamic::from_map(merged)
        }
        None => given.clone(),
    }
}
