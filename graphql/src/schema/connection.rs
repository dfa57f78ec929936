//! Relay connections over the read models' pages: `first/after/last/before` in, `edges {
//! cursor node }`, `nodes`, `pageInfo` and `totalCount` out. Each connection has its own
//! cursor namespace (`kind`), so a cursor of one list is refused by another.

use govledger_projections::page::{Page, PageRequest as ReadPageRequest};

use crate::error::{ErrorCode, api_error};
use crate::limits::PAGE_SIZE_MAX;
use crate::schema::page::{PageInfo, decode_cursor, encode_cursor};

/// Checks a read-model list's paging arguments; cursors must be of the `kind` connection.
pub(crate) fn read_page(
    kind: &str,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<ReadPageRequest> {
    let size = |n: i32, name: &str| {
        usize::try_from(n)
            .ok()
            .filter(|n| (1..=PAGE_SIZE_MAX).contains(n))
            .ok_or_else(|| {
                api_error(
                    ErrorCode::BadUserInput,
                    format!("`{name}` must be between 1 and {PAGE_SIZE_MAX}, not {n}"),
                )
            })
    };
    if first.is_some() && last.is_some() {
        return Err(api_error(
            ErrorCode::BadUserInput,
            "pass `first` or `last`, not both",
        ));
    }
    Ok(ReadPageRequest {
        first: first.map(|n| size(n, "first")).transpose()?,
        after: after.map(|c| decode_cursor(kind, &c)).transpose()?,
        last: last.map(|n| size(n, "last")).transpose()?,
        before: before.map(|c| decode_cursor(kind, &c)).transpose()?,
    })
}

/// A read-model page's edges (cursor and node) and page info, cursors in `kind`'s namespace.
pub(crate) fn edges_of<T, N>(
    kind: &str,
    page: Page<T>,
    node: impl Fn(T) -> N,
) -> (Vec<(String, N)>, PageInfo, u64, bool) {
    let wrap = |cursor: String| encode_cursor(kind, &cursor);
    let page_info = PageInfo {
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
        start_cursor: page.start_cursor.map(wrap),
        end_cursor: page.end_cursor.map(wrap),
    };
    let edges = page
        .cursors
        .into_iter()
        .map(wrap)
        .zip(page.items.into_iter().map(node))
        .collect();
    (edges, page_info, page.total_count, page.total_is_exact)
}

/// Defines `$connection` and `$edge` over node type `$node`, built from a read-model page
/// with `$connection::of(page, node)`; `$kind` names its cursor namespace.
macro_rules! read_connection {
    ($(#[$doc:meta])* $connection:ident, $edge:ident, $node:ty, $kind:expr) => {
        /// One node of the list and its cursor.
        #[derive(async_graphql::SimpleObject)]
        pub(crate) struct $edge {
            /// Pass as `after` (or `before`) to page on from this node.
            pub(crate) cursor: String,
            pub(crate) node: $node,
        }

        $(#[$doc])*
        pub struct $connection {
            edges: Vec<$edge>,
            page_info: $crate::schema::page::PageInfo,
            total_count: u64,
            total_is_exact: bool,
        }

        impl $connection {
            /// Cursor namespace of this list.
            pub const CURSOR_KIND: &'static str = $kind;

            pub(crate) fn of<T>(
                page: govledger_projections::page::Page<T>,
                node: impl Fn(T) -> $node,
            ) -> $connection {
                $connection::of_kind($kind, page, node)
            }

            /// For a list with its own cursor namespace `kind` (one node type, several lists).
            #[allow(dead_code)] // not every node type is listed by more than one query
            pub(crate) fn of_kind<T>(
                kind: &str,
                page: govledger_projections::page::Page<T>,
                node: impl Fn(T) -> $node,
            ) -> $connection {
                let (edges, page_info, total_count, total_is_exact) =
                    $crate::schema::connection::edges_of(kind, page, node);
                $connection {
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count,
                    total_is_exact,
                }
            }
        }

        #[async_graphql::Object]
        impl $connection {
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            /// The nodes of `edges`, for clients that need no cursors.
            async fn nodes(&self) -> Vec<$node> {
                self.edges.iter().map(|edge| edge.node.clone()).collect()
            }

            async fn page_info(&self) -> &$crate::schema::page::PageInfo {
                &self.page_info
            }

            /// How many match in all, cursors aside.
            async fn total_count(&self) -> $crate::schema::scalars::Int64 {
                self.total_count.into()
            }

            /// False when counting stopped early (`totalCount` is then a lower bound).
            async fn total_is_exact(&self) -> bool {
                self.total_is_exact
            }
        }
    };
}

pub(crate) use read_connection;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        expect: Result<ReadPageRequest, &str>,
    ) {
        let got =
            read_page("case", first, after.map(str::to_string), last, None).map_err(|e| e.message);
        assert_eq!(got, expect.map_err(str::to_string));
    }

    #[test]
    fn read_page_arguments_are_checked() {
        let cursor = encode_cursor("case", "69aa");
        check(None, None, None, Ok(ReadPageRequest::default()));
        check(
            Some(5),
            Some(&cursor),
            None,
            Ok(ReadPageRequest {
                first: Some(5),
                after: Some("69aa".into()),
                ..ReadPageRequest::default()
            }),
        );
        check(None, None, Some(3), Ok(ReadPageRequest::last(3)));
        check(
            Some(0),
            None,
            None,
            Err("`first` must be between 1 and 100, not 0"),
        );
        check(
            None,
            None,
            Some(101),
            Err("`last` must be between 1 and 100, not 101"),
        );
        check(
            Some(1),
            None,
            Some(1),
            Err("pass `first` or `last`, not both"),
        );
        let other = encode_cursor("organisation", "69aa");
        check(
            Some(1),
            Some(&other),
            None,
            Err(&format!("cursor {other:?} is not a cursor of this list")),
        );
    }
}
