//! The one place where script values and host data meet: Rhai values to JSON
//! (then typed with serde) and host inputs to Rhai maps.

use std::fmt;

use rhai::{Array, Dynamic, ImmutableString, Map};
use serde::de::{
    self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor,
    value::{MapDeserializer, SeqDeserializer},
};
use serde_json::{Number, Value};

use super::prelude::Date;

/// A hook's answer read straight into its typed form, with no JSON tree
/// allocated in between, on every hook call. `None` for anything
/// this path does not take, a custom type, a non-finite number or a wrong
/// shape: the caller then goes through [`to_json`], which words the error.
pub fn from_dynamic<T: DeserializeOwned>(value: &Dynamic) -> Option<T> {
    T::deserialize(Direct(value)).ok()
}

/// Why the direct path gave up; never shown, the JSON path words it.
#[derive(Debug)]
struct GaveUp;

impl fmt::Display for GaveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not read directly")
    }
}

impl std::error::Error for GaveUp {}

impl de::Error for GaveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GaveUp
    }
}

/// A script value seen as serde data, as [`to_json`] would render it.
#[derive(Clone, Copy)]
struct Direct<'a>(&'a Dynamic);

impl<'de> IntoDeserializer<'de, GaveUp> for Direct<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Direct<'_> {
    type Error = GaveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GaveUp> {
        let value = self.0;
        if value.is_unit() {
            visitor.visit_unit()
        } else if let Ok(b) = value.as_bool() {
            visitor.visit_bool(b)
        } else if let Ok(i) = value.as_int() {
            visitor.visit_i64(i)
        } else if let Ok(f) = value.as_float() {
            if f.is_finite() {
                visitor.visit_f64(f)
            } else {
                Err(GaveUp)
            }
        } else if let Some(s) = value.read_lock::<ImmutableString>() {
            visitor.visit_str(s.as_str())
        } else if let Ok(c) = value.as_char() {
            visitor.visit_string(c.to_string())
        } else if let Some(d) = value.read_lock::<Date>() {
            match d.iso() {
                Some(iso) => visitor.visit_str(iso.as_str()),
                None => visitor.visit_string(d.to_string()),
            }
        } else if let Some(array) = value.read_lock::<Array>() {
            let mut items = SeqDeserializer::new(array.iter().map(Direct));
            let out = visitor.visit_seq(&mut items)?;
            items.end()?;
            Ok(out)
        } else if let Some(map) = value.read_lock::<Map>() {
            let mut entries =
                MapDeserializer::new(map.iter().map(|(k, v)| (k.as_str(), Direct(v))));
            let out = visitor.visit_map(&mut entries)?;
            entries.end()?;
            Ok(out)
        } else {
            Err(GaveUp)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GaveUp> {
        if self.0.is_unit() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Enumerations are answered by their stored names.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GaveUp> {
        match self.0.read_lock::<ImmutableString>() {
            Some(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            None => Err(GaveUp),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

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
