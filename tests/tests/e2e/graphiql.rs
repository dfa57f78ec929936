//! GraphiQL works offline: the page at `/graphiql` and every script and stylesheet it
//! references are served by govledger itself (no other host in any `src` or `href`), and the
//! stylesheet's fonts and images are inline. So is the explorer at `/`, under a strict
//! Content-Security-Policy.

use govledger_tests::e2e::{BareServer, request};

/// The values of every `src="…"` and `href="…"` in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            let value = &rest[at + attribute.len()..];
            let end = value.find('"').unwrap_or(value.len());
            found.push(value[..end].to_string());
            rest = &value[end..];
        }
    }
    found
}

/// The targets of every `url(…)` in a stylesheet.
fn css_urls(css: &str) -> Vec<String> {
    css.split("url(")
        .skip(1)
        .map(|rest| {
            let end = rest.find(')').unwrap_or(rest.len());
            rest[..end].trim_matches(['"', '\'', ' ']).to_string()
        })
        .collect()
}

#[tokio::test]
async fn graphiql_and_everything_it_references_come_from_govledger() {
    let server = BareServer::start(&[]);
    let address = server.address();
    let page = request(&address, "GET", "/graphiql", &[], b"").await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(
        page.body.contains("GraphiQL.createFetcher"),
        "{}",
        page.body
    );
    let references = references(&page.body);
    assert!(references.len() >= 4, "{references:?}");
    for reference in &references {
        assert!(
            reference.starts_with('/') && !reference.starts_with("//"),
            "{reference} is not a path on govledger itself"
        );
        let asset = request(&address, "GET", reference, &[], b"").await;
        assert_eq!(asset.status, 200, "{reference}");
        let content_type = asset.header("content-type").unwrap_or_default();
        let expected = if reference.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(
            content_type.starts_with(expected),
            "{reference}: {content_type}"
        );
        assert!(
            asset.raw_body.len() > 1_000,
            "{reference}: {} bytes",
            asset.raw_body.len()
        );
        if reference.ends_with(".css") {
            for url in css_urls(&asset.body) {
                assert!(url.starts_with("data:"), "{reference} loads {url}");
            }
        }
    }
    let missing = request(&address, "GET", "/assets/graphiql-3.9.0/nope.js", &[], b"").await;
    assert_eq!(missing.status, 404);
    let escape = request(&address, "GET", "/assets/../Cargo.toml", &[], b"").await;
    assert_eq!(escape.status, 404);
}

#[tokio::test]
async fn the_explorer_and_its_modules_come_from_govledger_under_a_strict_policy() {
    let server = BareServer::start(&[]);
    let address = server.address();
    let page = request(&address, "GET", "/", &[], b"").await;
    assert_eq!(page.status, 200);
    let policy = page.header("content-security-policy").unwrap_or_default();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let references = references(&page.body);
    assert!(
        references.contains(&"/explorer/app.js".to_string()),
        "{references:?}"
    );
    for reference in references.iter().filter(|r| !r.starts_with("data:")) {
        assert!(reference.starts_with("/explorer/"), "{reference}");
        let asset = request(&address, "GET", reference, &[], b"").await;
        assert_eq!(asset.status, 200, "{reference}");
    }
    let module = request(&address, "GET", "/explorer/tlog.js", &[], b"").await;
    assert!(
        module
            .header("content-type")
            .unwrap_or_default()
            .starts_with("text/javascript"),
        "{:?}",
        module.headers
    );
    assert!(module.body.contains("crypto.subtle.verify"));
    for missing in [
        "/explorer/nope.js",
        "/explorer/../Cargo.toml",
        "/explorer/web/app.js",
    ] {
        assert_eq!(
            request(&address, "GET", missing, &[], b"").await.status,
            404,
            "{missing}"
        );
    }
}
