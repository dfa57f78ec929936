//! The audit explorer at `/` (issue 17, ADR 0014): plain ES modules, HTML and CSS embedded in
//! the binary and served under `/explorer/<file>`, talking to the public GraphQL API and
//! `/tlog/` only. Nothing comes from another host, and the Content-Security-Policy says so
//! to the browser: scripts, styles and requests from this origin only, no inline script.

use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Scripts, styles, requests and images from this origin only (inline SVG is markup, not an
/// image request); no plugins, frames, inline script or form posts.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// One embedded file of the explorer.
struct Asset {
    /// The file name under `/explorer/`.
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const SCRIPT: &str = "text/javascript; charset=utf-8";

macro_rules! script {
    ($name:literal) => {
        Asset {
            name: $name,
            content_type: SCRIPT,
            bytes: include_bytes!(concat!("web/", $name)),
        }
    };
}

const ASSETS: [Asset; 17] = [
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("web/style.css"),
    },
    script!("app.js"),
    script!("api.js"),
    script!("dom.js"),
    script!("i18n.js"),
    script!("format.js"),
    script!("csv.js"),
    script!("chart.js"),
    script!("tlog.js"),
    script!("vocabulary.js"),
    script!("route.js"),
    script!("page-ledger.js"),
    script!("page-cases.js"),
    script!("page-case.js"),
    script!("page-trace.js"),
    script!("page-accountability.js"),
    script!("page-activity.js"),
];

const PAGE: &str = include_str!("web/index.html");

fn security_headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        // The explorer changes with the binary; the browser asks again each time.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ]
}

/// The explorer's shell: every page is a route after `#` in it.
pub(crate) async fn page() -> Response {
    (
        security_headers(),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        PAGE,
    )
        .into_response()
}

/// `/explorer/<file>`: an embedded file, or 404.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such file\n").into_response();
    };
    (
        security_headers(),
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module a script imports (`from "./x.js"`) and every file the page references is
    /// embedded, and nothing points at another host.
    #[test]
    fn every_referenced_file_is_embedded_and_local() {
        let embedded: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut texts = vec![PAGE];
        for asset in &ASSETS {
            texts.push(std::str::from_utf8(asset.bytes).expect("assets are UTF-8"));
        }
        for text in texts {
            // The SVG namespace is a name, not an address.
            let text = text.replace("http://www.w3.org/2000/svg", "");
            assert!(!text.contains("http://") && !text.contains("https://"));
            for piece in text.split(['"', '\'']) {
                let name = piece
                    .strip_prefix("/explorer/")
                    .or_else(|| piece.strip_prefix("./"));
                if let Some(name) = name.filter(|n| n.ends_with(".js") || n.ends_with(".css")) {
                    assert!(embedded.contains(&name), "{piece} is not embedded");
                }
            }
        }
    }

    /// The keys of one dictionary literal in `i18n.js` (`const NAME = { key: "…", … };`).
    fn dictionary_keys(name: &str) -> Vec<String> {
        let source = std::str::from_utf8(script("i18n.js")).expect("UTF-8");
        let start = source
            .find(&format!("const {name} = {{"))
            .unwrap_or_else(|| panic!("no {name} in i18n.js"));
        let body = &source[start..];
        let body = &body[..body.find("\n};").expect("the dictionary ends")];
        let mut keys = Vec::new();
        // `key: "value",` pairs, several to a line or one; keys bare or quoted.
        for pair in body.split(['\n', ',']) {
            if let Some((key, value)) = pair.trim().split_once(": \"")
                && !value.is_empty()
                && !key.contains(' ')
            {
                keys.push(key.trim_matches('"').to_string());
            }
        }
        keys
    }

    fn script(name: &str) -> &'static [u8] {
        ASSETS
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.bytes)
            .unwrap_or_else(|| panic!("{name} is not embedded"))
    }

    /// The literal keys the scripts translate: `t("k"`, `label("tag", "k"`, `label: "k"`,
    /// `"data-i18n": "k"`.
    fn used_keys() -> Vec<String> {
        let mut keys = Vec::new();
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(asset.bytes).expect("UTF-8");
            for marker in ["t(\"", "label: \"", "\"data-i18n\": \""] {
                for (at, _) in text.match_indices(marker) {
                    // `t(` alone, not the end of `startsWith(`.
                    let before = text[..at].chars().next_back().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' || before == '.' {
                        continue;
                    }
                    let piece = &text[at + marker.len()..];
                    keys.push(piece[..piece.find('"').unwrap_or(0)].to_string());
                }
            }
            for piece in text.split("label(\"").skip(1) {
                // label("tag", "key"…): the second string.
                let after_tag = piece.split_once('"').map(|(_, rest)| rest);
                if let Some(rest) = after_tag.and_then(|rest| rest.strip_prefix(", \"")) {
                    keys.push(rest[..rest.find('"').unwrap_or(0)].to_string());
                }
            }
        }
        keys.retain(|k| !k.is_empty() && !k.contains(' '));
        keys.sort();
        keys.dedup();
        keys
    }

    /// Both languages hold the same labels, and every label a script names is in them.
    #[test]
    fn every_label_is_translated_into_both_languages() {
        let field = |name| {
            dictionary_keys(name)
                .into_iter()
                .map(|k| format!("field.{k}"))
        };
        let mut english: Vec<String> = dictionary_keys("EN")
            .into_iter()
            .chain(field("FIELDS_EN"))
            .collect();
        let mut chinese: Vec<String> = dictionary_keys("ZH")
            .into_iter()
            .chain(field("FIELDS_ZH"))
            .collect();
        english.sort();
        chinese.sort();
        assert!(english.len() > 100, "{english:?}");
        assert_eq!(english, chinese);
        let used = used_keys();
        assert!(used.len() > 80, "{used:?}");
        for key in used {
            assert!(english.contains(&key), "{key} is not in the dictionaries");
        }
    }
}
