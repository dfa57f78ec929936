//! Custom scalars: `DateTime` (RFC 3339, UTC) over the core's `Timestamp`; `Int64` for the
//! integers GraphQL's 32-bit `Int` cannot hold.

use async_graphql::{Description, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use govledger_core::time::Timestamp;

/// An instant in UTC, as RFC 3339 text (`2020-05-01T08:30:00Z`; offsets accepted on input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub Timestamp);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => Timestamp::parse_rfc3339(text)
                .map(DateTime)
                .map_err(|e| InputValueError::custom(e.to_string())),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// A signed 64-bit integer, for the values GraphQL's 32-bit `Int` cannot hold: amounts in
/// cents, areas in dm², ledger positions, stream versions, consistency tokens and counts of
/// events. Written as a JSON number; read from a JSON integer or a string of decimal digits
/// (for clients whose numbers are doubles), between −2⁶³ and 2⁶³−1. JavaScript numbers are
/// exact up to 2⁵³−1, which govledger's values stay far below (docs/graphql.md, "Int64").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Description)]
pub struct Int64(pub i64);

#[Scalar(name = "Int64", use_type_description)]
impl ScalarType for Int64 {
    fn parse(value: Value) -> InputValueResult<Self> {
        let parsed = match &value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse::<i64>().ok(),
            _ => return Err(InputValueError::expected_type(value)),
        };
        parsed.map(Int64).ok_or_else(|| {
            InputValueError::custom(format!(
                "Int64 takes an integer from {} to {}, as a number or a string of digits; got {value}",
                i64::MIN,
                i64::MAX
            ))
        })
    }

    fn is_valid(value: &Value) -> bool {
        match value {
            Value::Number(number) => number.is_i64(),
            Value::String(text) => text.trim().parse::<i64>().is_ok(),
            _ => false,
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

impl From<i64> for Int64 {
    fn from(value: i64) -> Int64 {
        Int64(value)
    }
}

impl From<u64> for Int64 {
    /// Saturates at 2⁶³−1, which no position, count or amount reaches.
    fn from(value: u64) -> Int64 {
        Int64(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl Int64 {
    /// The value as an unsigned number (positions, versions, areas); `field` names it in the
    /// error a negative value gets.
    pub fn non_negative(self, field: &str) -> Result<u64, async_graphql::Error> {
        u64::try_from(self.0).map_err(|_| {
            crate::error::api_error(
                crate::error::ErrorCode::BadUserInput,
                format!("`{field}` must not be negative (got {})", self.0),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: Value, expect: Option<i64>) {
        let parsed = <Int64 as ScalarType>::parse(input.clone())
            .ok()
            .map(|v| v.0);
        assert_eq!(parsed, expect, "{input}");
    }

    #[test]
    fn int64_reads_numbers_and_digit_strings_within_64_bits() {
        check(Value::from(0), Some(0));
        check(Value::from(9_999_999_999_999_i64), Some(9_999_999_999_999));
        check(Value::from(-5), Some(-5));
        check(Value::from("9223372036854775807"), Some(i64::MAX));
        check(Value::from("9223372036854775808"), None);
        check(Value::from(u64::MAX), None);
        check(Value::from(1.5), None);
        check(Value::from("12a"), None);
        check(Value::Boolean(true), None);
        assert_eq!(Int64::from(u64::MAX).0, i64::MAX);
        assert!(Int64(-1).non_negative("position").is_err());
        assert_eq!(Int64(7).non_negative("position").ok(), Some(7));
    }
}
