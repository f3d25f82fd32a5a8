//! Reading loosely typed JSON the way Chinese platforms write it: numbers
//! as numbers or strings, flags as booleans, 0/1 or "0"/"1", ids as strings
//! or (too large for JavaScript) numbers. Shared by the page parsers.

use serde_json::Value;

/// An integer written as a number (or a float) or a numeric string.
pub(crate) fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A flag written as a boolean, 0/1 or "0"/"1"; anything else is unknown.
pub(crate) fn as_bool_like(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(_) | Value::String(_) => match as_i64(v)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// An id written as a non-empty string or an integer.
pub(crate) fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}
