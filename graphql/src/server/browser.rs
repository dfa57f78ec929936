//! What browsers need beyond GraphQL: CORS for front-ends on other origins, from an explicit
//! allow-list (`govledger serve --cors-origin`, none by default, so no other origin may call
//! the API), and gzip/brotli response compression, as the client's `Accept-Encoding` asks.
//! Both are tower-http layers around the whole router.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);
/// Most origins an allow-list may hold.
pub const CORS_ORIGINS_MAX: usize = 64;

/// Which other origins may call the API from a browser.
#[derive(Debug, Clone, Default)]
pub struct CorsOrigins(Vec<HeaderValue>);

impl CorsOrigins {
    /// Parses each origin (`https://app.example.org`, `http://localhost:5173`).
    pub fn parse(origins: &[String]) -> Result<CorsOrigins, String> {
        if origins.len() > CORS_ORIGINS_MAX {
            return Err(format!(
                "at most {CORS_ORIGINS_MAX} CORS origins, not {}",
                origins.len()
            ));
        }
        origins
            .iter()
            .map(|origin| parse_origin(origin))
            .collect::<Result<Vec<_>, _>>()
            .map(CorsOrigins)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One origin as a browser sends it in `Origin`: `http` or `https`, a host, an optional
/// port, nothing else (no path, no trailing slash, no `*`).
pub fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    let refuse = |why: &str| {
        Err(format!(
            "{text:?} is not a CORS origin ({why}); write it as the browser sends it, \
             e.g. https://app.example.org or http://localhost:5173"
        ))
    };
    let Some((scheme, rest)) = text.split_once("://") else {
        return refuse("no scheme");
    };
    if scheme != "http" && scheme != "https" {
        return refuse("the scheme must be http or https");
    }
    if rest.is_empty() || rest.contains(['/', '?', '#', '*', '@']) {
        return refuse("only a host and an optional port may follow the scheme");
    }
    let valid_host = rest.chars().all(|c| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | ':' | '[' | ']')
    });
    if !valid_host {
        return refuse("hosts are lower-case letters, digits, '.', '-', and ':' before a port");
    }
    HeaderValue::from_str(text).or_else(|_| refuse("not a header value"))
}

/// Wraps `router` with compression and, when any origin is allowed, CORS.
pub(crate) fn layers(router: Router, cors_origins: &CorsOrigins) -> Router {
    let router = router.layer(CompressionLayer::new().gzip(true).br(true));
    if cors_origins.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(cors_origins.0.iter().cloned()))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .max_age(PREFLIGHT_MAX_AGE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, accepted: bool) {
        assert_eq!(parse_origin(text).is_ok(), accepted, "{text}");
    }

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        check("https://app.example.org", true);
        check("http://localhost:5173", true);
        check("http://127.0.0.1:8080", true);
        check("http://[::1]:8080", true);
        check("https://app.example.org/", false);
        check("https://app.example.org/path", false);
        check("*", false);
        check("https://*.example.org", false);
        check("app.example.org", false);
        check("ftp://example.org", false);
        check("https://App.Example.org", false);
        check("https://", false);
        check("https://user@example.org", false);
        assert!(CorsOrigins::parse(&vec!["http://a.org".to_string(); 65]).is_err());
        assert!(CorsOrigins::parse(&[]).is_ok_and(|o| o.is_empty()));
    }
}
