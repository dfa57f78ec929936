//! Persisted documents. By default, automatic persisted queries (Apollo's protocol): a client
//! sends `extensions.persistedQuery.sha256Hash` alone, and the query text only when the
//! server does not know the hash yet (`PERSISTED_QUERY_NOT_FOUND`), so repeated queries
//! travel as 64 hex digits. With `govledger serve --documents FILE`, only the documents
//! registered in FILE run (trusted documents, for public deployments): by hash (`documentId`
//! or `extensions.persistedQuery`) or by their exact text; anything else is refused.
//!
//! FILE is JSON: either `{"<sha256 hex>": "<document>", …}` (graphql-codegen's
//! `persisted-documents.json`) or Apollo's persisted-query manifest
//! (`{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}, …]}`); every
//! id must be the SHA-256 of its document, checked at start.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_graphql::Value;
use sha2::{Digest, Sha256};

use crate::limits::{PERSISTED_QUERIES_BYTES_MAX, TRUSTED_DOCUMENTS_BYTES_MAX};

/// Which documents may run.
#[derive(Debug, Clone, Default)]
pub enum DocumentPolicy {
    /// Any document; hashes are remembered (at most `PERSISTED_QUERIES_BYTES_MAX` of text)
    /// for APQ.
    #[default]
    Automatic,
    /// Only these, by SHA-256 (hex).
    Trusted(Arc<HashMap<String, String>>),
}

impl DocumentPolicy {
    /// Reads a trusted-documents file.
    pub fn trusted_from_file(path: &Path) -> Result<DocumentPolicy, String> {
        let size = std::fs::metadata(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?
            .len();
        if size > TRUSTED_DOCUMENTS_BYTES_MAX {
            return Err(format!(
                "{} is larger than {} MiB",
                path.display(),
                TRUSTED_DOCUMENTS_BYTES_MAX / (1024 * 1024)
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let documents = parse_trusted(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(DocumentPolicy::Trusted(Arc::new(documents)))
    }
}

fn parse_trusted(text: &str) -> Result<HashMap<String, String>, String> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let pairs: Vec<(String, String)> = match &json {
        serde_json::Value::Object(fields)
            if fields.get("format").and_then(|f| f.as_str())
                == Some("apollo-persisted-query-manifest") =>
        {
            let operations = fields
                .get("operations")
                .and_then(|o| o.as_array())
                .ok_or("an Apollo manifest needs `operations`")?;
            operations
                .iter()
                .map(|op| match (op["id"].as_str(), op["body"].as_str()) {
                    (Some(id), Some(body)) => Ok((id.to_string(), body.to_string())),
                    _ => Err("every operation needs a string `id` and `body`".to_string()),
                })
                .collect::<Result<_, _>>()?
        }
        serde_json::Value::Object(fields) => fields
            .iter()
            .map(|(id, body)| match body.as_str() {
                Some(body) => Ok((id.clone(), body.to_string())),
                None => Err(format!("the document of {id} is not a string")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("expected a JSON object of hash → document".into()),
    };
    let mut documents = HashMap::new();
    for (id, body) in pairs {
        let hash = id
            .strip_prefix("sha256:")
            .unwrap_or(&id)
            .to_ascii_lowercase();
        if sha256_hex(&body) != hash {
            return Err(format!("{id} is not the SHA-256 of its document"));
        }
        documents.insert(hash, body);
    }
    if documents.is_empty() {
        return Err("no documents".into());
    }
    Ok(documents)
}

pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a request's document cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DocumentRefusal {
    /// A hash the server does not know (send the query with it, under APQ).
    NotFound,
    /// A hash and a query that do not match, or a malformed `persistedQuery`.
    Malformed(String),
    /// Trusted mode: the document is not registered.
    NotTrusted,
}

/// The documents a running server knows.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    policy: DocumentPolicy,
    remembered: Mutex<Remembered>,
}

/// APQ's documents, by hash, and the bytes they hold.
#[derive(Debug, Default)]
struct Remembered {
    by_hash: HashMap<String, Arc<str>>,
    bytes: usize,
}

impl Documents {
    pub(crate) fn new(policy: DocumentPolicy) -> Documents {
        Documents {
            policy,
            remembered: Mutex::new(Remembered::default()),
        }
    }

    /// Fills in `request.query` from its hash, or checks that it may run.
    pub(crate) fn resolve(
        &self,
        request: &mut async_graphql::Request,
    ) -> Result<(), DocumentRefusal> {
        let hash = requested_hash(request)?;
        match (&self.policy, hash) {
            (DocumentPolicy::Automatic, None) => Ok(()),
            (DocumentPolicy::Automatic, Some(hash)) if request.query.is_empty() => {
                let remembered = self
                    .remembered
                    .lock()
                    .map_err(|_| DocumentRefusal::NotFound)?;
                let query = remembered
                    .by_hash
                    .get(&hash)
                    .ok_or(DocumentRefusal::NotFound)?;
                request.query = query.to_string();
                Ok(())
            }
            (DocumentPolicy::Automatic, Some(hash)) => {
                if sha256_hex(&request.query) != hash {
                    return Err(DocumentRefusal::Malformed(
                        "provided sha does not match query".into(),
                    ));
                }
                if let Ok(mut remembered) = self.remembered.lock()
                    && !remembered.by_hash.contains_key(&hash)
                {
                    if remembered.bytes + request.query.len() > PERSISTED_QUERIES_BYTES_MAX {
                        // Forget everything rather than track recency: clients resend on a
                        // miss, and the bound is what matters.
                        remembered.by_hash.clear();
                        remembered.bytes = 0;
                    }
                    remembered.bytes += request.query.len();
                    remembered
                        .by_hash
                        .insert(hash, Arc::from(request.query.as_str()));
                }
                Ok(())
            }
            (DocumentPolicy::Trusted(documents), Some(hash)) => {
                let document = documents.get(&hash).ok_or(DocumentRefusal::NotFound)?;
                if !request.query.is_empty() && request.query != *document {
                    return Err(DocumentRefusal::Malformed(
                        "provided sha does not match query".into(),
                    ));
                }
                request.query = document.clone();
                Ok(())
            }
            (DocumentPolicy::Trusted(documents), None) => {
                if documents.contains_key(&sha256_hex(&request.query)) {
                    Ok(())
                } else {
                    Err(DocumentRefusal::NotTrusted)
                }
            }
        }
    }
}

/// `extensions.persistedQuery.sha256Hash` (version 1), lower-case hex.
fn requested_hash(request: &async_graphql::Request) -> Result<Option<String>, DocumentRefusal> {
    let Some(persisted) = request.extensions.0.get("persistedQuery") else {
        return Ok(None);
    };
    let malformed = |why: &str| DocumentRefusal::Malformed(format!("persistedQuery: {why}"));
    let Value::Object(fields) = persisted else {
        return Err(malformed("an object with version 1 and sha256Hash"));
    };
    match fields.get("version") {
        Some(Value::Number(version)) if version.as_u64() == Some(1) => {}
        _ => return Err(malformed("only version 1 is supported")),
    }
    match fields.get("sha256Hash") {
        Some(Value::String(hash))
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err(malformed("sha256Hash must be 64 hex digits")),
    }
}

/// Moves a GraphQL-over-HTTP `documentId` (`sha256:<hex>` or `<hex>`) into
/// `extensions.persistedQuery`, so one path resolves both.
pub(crate) fn adopt_document_id(request: &mut async_graphql::Request, document_id: &str) {
    let hash = document_id.strip_prefix("sha256:").unwrap_or(document_id);
    let mut fields = async_graphql::indexmap::IndexMap::new();
    fields.insert(async_graphql::Name::new("version"), Value::from(1));
    fields.insert(async_graphql::Name::new("sha256Hash"), Value::from(hash));
    request
        .extensions
        .0
        .insert("persistedQuery".into(), Value::Object(fields));
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "{ ledgerHead { position } }";

    fn request(query: &str, hash: Option<&str>) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(query);
        if let Some(hash) = hash {
            adopt_document_id(&mut request, hash);
        }
        request
    }

    fn check(
        documents: &Documents,
        query: &str,
        hash: Option<&str>,
        expect: Result<&str, DocumentRefusal>,
    ) {
        let mut request = request(query, hash);
        let got = documents
            .resolve(&mut request)
            .map(|()| request.query.clone());
        assert_eq!(got, expect.map(str::to_string), "{query:?} {hash:?}");
    }

    #[test]
    fn automatic_persisted_queries_remember_what_was_sent() {
        let documents = Documents::new(DocumentPolicy::Automatic);
        let hash = sha256_hex(QUERY);
        check(&documents, QUERY, None, Ok(QUERY));
        check(&documents, "", Some(&hash), Err(DocumentRefusal::NotFound));
        check(&documents, QUERY, Some(&hash), Ok(QUERY));
        check(&documents, "", Some(&hash), Ok(QUERY));
        check(
            &documents,
            "{ other }",
            Some(&hash),
            Err(DocumentRefusal::Malformed(
                "provided sha does not match query".into(),
            )),
        );
        let mut bad = async_graphql::Request::new(QUERY);
        bad.extensions
            .0
            .insert("persistedQuery".into(), Value::from(3));
        assert!(matches!(
            documents.resolve(&mut bad),
            Err(DocumentRefusal::Malformed(_))
        ));
    }

    #[test]
    fn trusted_documents_run_only_what_is_registered() {
        let hash = sha256_hex(QUERY);
        let file = format!("{{\"{hash}\": {}}}", serde_json::Value::from(QUERY));
        let documents = Documents::new(DocumentPolicy::Trusted(Arc::new(
            parse_trusted(&file).expect("a valid file"),
        )));
        check(&documents, "", Some(&hash), Ok(QUERY));
        check(&documents, "", Some(&format!("sha256:{hash}")), Ok(QUERY));
        check(&documents, QUERY, None, Ok(QUERY));
        check(
            &documents,
            "{ __typename }",
            None,
            Err(DocumentRefusal::NotTrusted),
        );
        check(
            &documents,
            "",
            Some(&sha256_hex("{ x }")),
            Err(DocumentRefusal::NotFound),
        );
    }

    #[test]
    fn trusted_files_are_checked() {
        let hash = sha256_hex(QUERY);
        let body = serde_json::Value::from(QUERY);
        assert!(parse_trusted(&format!("{{\"{hash}\": {body}}}")).is_ok());
        assert!(
            parse_trusted(&format!(
                "{{\"format\": \"apollo-persisted-query-manifest\", \"version\": 1, \
             \"operations\": [{{\"id\": \"{hash}\", \"body\": {body}, \"name\": \"H\"}}]}}"
            ))
            .is_ok()
        );
        let wrong = sha256_hex("{ x }");
        assert!(parse_trusted(&format!("{{\"{wrong}\": {body}}}")).is_err());
        assert!(parse_trusted("{}").is_err());
        assert!(parse_trusted("[]").is_err());
        assert!(parse_trusted("{\"a\": 3}").is_err());
    }
}
