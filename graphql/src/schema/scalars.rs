//! Custom scalars: `DateTime` (RFC 3339, UTC) over the core's `Timestamp`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
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
