//! Relay connection arguments and page info, shared by every connection.

use async_graphql::SimpleObject;

use crate::error::{ErrorCode, api_error};
use crate::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use crate::schema::node::{hex_decode, hex_encode};

/// Relay's page info.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Which end of the ordered list a page is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFrom {
    /// `first` (after `after`).
    Start,
    /// `last` (before `before`).
    End,
}

/// Validated `first/after/last/before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub from: PageFrom,
    pub size: usize,
    /// Decoded `after` key.
    pub after: Option<String>,
    /// Decoded `before` key.
    pub before: Option<String>,
}

impl PageRequest {
    /// Checks the arguments; `kind` names the connection's cursor namespace, so a cursor of one
    /// connection is refused by another.
    pub fn new(
        kind: &str,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PageRequest, async_graphql::Error> {
        let size = |n: i32, name: &str| {
            usize::try_from(n)
                .ok()
                .filter(|n| *n <= PAGE_SIZE_MAX)
                .ok_or_else(|| {
                    api_error(
                        ErrorCode::BadUserInput,
                        format!("`{name}` must be between 0 and {PAGE_SIZE_MAX}, not {n}"),
                    )
                })
        };
        let (from, size) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(api_error(
                    ErrorCode::BadUserInput,
                    "pass `first` or `last`, not both",
                ));
            }
            (Some(n), None) => (PageFrom::Start, size(n, "first")?),
            (None, Some(n)) => (PageFrom::End, size(n, "last")?),
            (None, None) if before.is_some() => (PageFrom::End, PAGE_SIZE_DEFAULT),
            (None, None) => (PageFrom::Start, PAGE_SIZE_DEFAULT),
        };
        Ok(PageRequest {
            from,
            size,
            after: after.map(|c| decode_cursor(kind, &c)).transpose()?,
            before: before.map(|c| decode_cursor(kind, &c)).transpose()?,
        })
    }
}

/// The page size a connection's complexity is charged for.
pub fn charged_page_size(first: Option<i32>, last: Option<i32>) -> usize {
    first
        .or(last)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(PAGE_SIZE_DEFAULT)
        .clamp(1, PAGE_SIZE_MAX)
}

pub fn encode_cursor(kind: &str, key: &str) -> String {
    hex_encode(format!("{kind}|{key}").as_bytes())
}

pub fn decode_cursor(kind: &str, cursor: &str) -> Result<String, async_graphql::Error> {
    let invalid = || {
        api_error(
            ErrorCode::BadUserInput,
            format!(
                "cursor {:?} is not a cursor of this list",
                cursor.chars().take(80).collect::<String>()
            ),
        )
    };
    let bytes = hex_decode(cursor).ok_or_else(invalid)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (cursor_kind, key) = text.split_once('|').ok_or_else(invalid)?;
    if cursor_kind != kind {
        return Err(invalid());
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        expect: Result<(PageFrom, usize, Option<&str>), &str>,
    ) {
        let got = PageRequest::new("ev", first, after.map(str::to_string), last, None)
            .map(|p| (p.from, p.size, p.after))
            .map_err(|e| e.message);
        let expect = expect
            .map(|(from, size, after)| (from, size, after.map(str::to_string)))
            .map_err(str::to_string);
        assert_eq!(got, expect);
    }

    #[test]
    fn page_arguments_are_checked() {
        let cursor = encode_cursor("ev", "7");
        check(None, None, None, Ok((PageFrom::Start, 20, None)));
        check(
            Some(5),
            Some(&cursor),
            None,
            Ok((PageFrom::Start, 5, Some("7"))),
        );
        check(None, None, Some(3), Ok((PageFrom::End, 3, None)));
        check(
            Some(101),
            None,
            None,
            Err("`first` must be between 0 and 100, not 101"),
        );
        check(
            Some(-1),
            None,
            None,
            Err("`first` must be between 0 and 100, not -1"),
        );
        check(
            Some(1),
            None,
            Some(1),
            Err("pass `first` or `last`, not both"),
        );
        check(
            Some(1),
            Some("zz"),
            None,
            Err("cursor \"zz\" is not a cursor of this list"),
        );
        let other = encode_cursor("req", "7");
        check(
            Some(1),
            Some(&other),
            None,
            Err(&format!("cursor {other:?} is not a cursor of this list")),
        );
    }
}
