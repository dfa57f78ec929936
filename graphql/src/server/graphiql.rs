//! GraphiQL at `/graphiql`, working offline: the page and its scripts and styles are embedded in the
//! binary (vendored in `graphql/assets/graphiql/`, pinned, with their licences) and served
//! under `/assets/<package>-<version>/`, so nothing is fetched from another host. A versioned
//! path never changes content, so browsers may cache the assets for good.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// One embedded file.
struct Asset {
    /// The path under `/assets/`.
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        path: "graphiql-3.9.0/graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        path: "graphiql-3.9.0/graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        path: "react-18.3.1/react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        path: "react-dom-18.3.1/react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
];

const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// The GraphiQL page.
pub(crate) async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `/assets/<path>`: an embedded file, or 404.
pub(crate) async fn asset(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        return (StatusCode::NOT_FOUND, "no such asset\n").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_references_exactly_the_embedded_assets() {
        let referenced: Vec<&str> = PAGE
            .split(['"', '\''])
            .filter(|piece| piece.starts_with("/assets/"))
            .collect();
        let mut expected: Vec<String> = ASSETS
            .iter()
            .map(|a| format!("/assets/{}", a.path))
            .collect();
        let mut referenced: Vec<String> = referenced.iter().map(|s| s.to_string()).collect();
        expected.sort();
        referenced.sort();
        assert_eq!(referenced, expected);
        assert!(!PAGE.contains("//unpkg") && !PAGE.contains("https://"));
    }
}
