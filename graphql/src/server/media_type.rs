//! Content negotiation for GraphQL over HTTP: `application/graphql-response+json` or
//! `application/json`, as the `Accept` header asks.

pub(crate) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
pub(crate) const JSON: &str = "application/json";

/// The media type of a GraphQL response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseMediaType {
    /// The spec's own type: request errors answer with a 4xx status.
    GraphQlResponseJson,
    /// Legacy `application/json`: request errors that still produce a GraphQL response
    /// answer 200.
    Json,
}

/// The response type for an `Accept` header: the highest quality wins, ties go to
/// `application/graphql-response+json`; no header, `*/*` or `application/*` means
/// `application/json` (the spec's rule for legacy clients). `None` when nothing acceptable is offered (406).
pub(crate) fn negotiate(accept: Option<&str>) -> Option<ResponseMediaType> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(ResponseMediaType::Json);
    };
    let mut best: Option<(f32, ResponseMediaType)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => ResponseMediaType::GraphQlResponseJson,
            // A wildcard gets the type every client reads (the audit's 47DE).
            JSON | "application/*" | "*/*" => ResponseMediaType::Json,
            _ => continue,
        };
        if quality <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((q, current)) => {
                quality > q
                    || (quality == q
                        && candidate == ResponseMediaType::GraphQlResponseJson
                        && current == ResponseMediaType::Json)
            }
        };
        if better {
            best = Some((quality, candidate));
        }
    }
    best.map(|(_, media)| media)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(accept: Option<&str>, expect: Option<ResponseMediaType>) {
        assert_eq!(negotiate(accept), expect, "Accept: {accept:?}");
    }

    #[test]
    fn accept_header_picks_the_response_type() {
        use ResponseMediaType::{GraphQlResponseJson as Gql, Json};
        check(None, Some(Json));
        check(Some(""), Some(Json));
        check(Some("application/json"), Some(Json));
        check(Some("application/graphql-response+json"), Some(Gql));
        check(
            Some("application/json, application/graphql-response+json"),
            Some(Gql),
        );
        check(
            Some("application/graphql-response+json;q=0.5, application/json"),
            Some(Json),
        );
        check(Some("*/*"), Some(Json));
        check(Some("application/*"), Some(Json));
        check(Some("application/graphql-response+json, */*"), Some(Gql));
        check(
            Some("*/*;q=0.9, application/graphql-response+json"),
            Some(Gql),
        );
        check(Some("text/html"), None);
        check(Some("application/json;q=0"), None);
    }
}
