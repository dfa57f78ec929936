//! The body of a GraphQL response: at most `RESPONSE_ERRORS_MAX` errors (the rest summarised in
//! the last one, so a document of a thousand unknown fields cannot amplify into a thousand
//! errors), and no `data` entry when the request failed before execution (parse, validation,
//! limits), as the GraphQL spec and GraphQL over HTTP ask.

use async_graphql::{Response as GqlResponse, ServerError};

use crate::limits::RESPONSE_ERRORS_MAX;

/// Keeps the first `RESPONSE_ERRORS_MAX - 1` errors and replaces the rest with one that counts
/// them (and carries the first omitted error's `extensions.code`).
pub(crate) fn cap_errors(errors: &mut Vec<ServerError>) {
    if errors.len() <= RESPONSE_ERRORS_MAX {
        return;
    }
    let omitted = errors.split_off(RESPONSE_ERRORS_MAX - 1);
    let mut summary = ServerError::new(
        format!(
            "{} more errors omitted (a response reports at most {RESPONSE_ERRORS_MAX})",
            omitted.len()
        ),
        None,
    );
    let code = omitted
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|e| e.get("code"))
        .cloned();
    let extensions = summary.extensions.get_or_insert_with(Default::default);
    if let Some(code) = code {
        extensions.set("code", code);
    }
    extensions.set("omittedErrors", omitted.len() as u64);
    errors.push(summary);
}

/// The response as JSON text; without `data` for a request error.
pub(crate) fn to_json(
    response: &GqlResponse,
    is_request_error: bool,
) -> Result<String, serde_json::Error> {
    let mut value = serde_json::to_value(response)?;
    if is_request_error && let Some(fields) = value.as_object_mut() {
        fields.remove("data");
    }
    serde_json::to_string(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(n: usize) -> Vec<ServerError> {
        (0..n)
            .map(|i| {
                let mut error = ServerError::new(format!("error {i}"), None);
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("code", "GRAPHQL_VALIDATION_FAILED");
                error
            })
            .collect()
    }

    fn check(n: usize, expect_len: usize, expect_last: &str) {
        let mut list = errors(n);
        cap_errors(&mut list);
        assert_eq!(list.len(), expect_len, "{n} errors");
        assert_eq!(
            list.last().map(|e| e.message.as_str()).unwrap_or(""),
            expect_last,
            "{n} errors"
        );
    }

    #[test]
    fn errors_are_capped_with_a_summary() {
        check(0, 0, "");
        check(1, 1, "error 0");
        check(100, 100, "error 99");
        check(
            101,
            100,
            "2 more errors omitted (a response reports at most 100)",
        );
        check(
            1_000,
            100,
            "901 more errors omitted (a response reports at most 100)",
        );
        let mut list = errors(1_000);
        cap_errors(&mut list);
        let extensions = list[99].extensions.as_ref().expect("extensions");
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("GRAPHQL_VALIDATION_FAILED"))
        );
    }

    #[test]
    fn a_request_error_has_no_data_entry() {
        let response = GqlResponse::from_errors(errors(1));
        let with_data: serde_json::Value =
            serde_json::from_str(&to_json(&response, false).expect("serialises")).expect("json");
        assert!(with_data.get("data").is_some());
        let without: serde_json::Value =
            serde_json::from_str(&to_json(&response, true).expect("serialises")).expect("json");
        assert!(without.get("data").is_none());
        assert!(without.get("errors").is_some());
    }
}
