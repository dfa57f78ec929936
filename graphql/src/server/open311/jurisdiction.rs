//! `jurisdiction_id` (ADR 0008): a server serves one jurisdiction, the community its ledger
//! keeps. The parameter may be left out; given, it must be that community's id, else the
//! client is asking a jurisdiction this endpoint does not serve (404).

use serde_json::Map;

use crate::access::Principal;
use crate::reports::execute;
use crate::schema::LedgerSchema;

/// `Ok` when `jurisdiction_id` is absent or names the community; else why not.
pub(super) async fn check(
    schema: &LedgerSchema,
    jurisdiction_id: Option<&str>,
) -> Result<(), String> {
    let Some(wanted) = jurisdiction_id.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(());
    };
    let data = execute(
        schema,
        &Principal::Public,
        "{ community { communityId } }",
        Map::new(),
    )
    .await
    .map_err(|e| format!("the jurisdiction cannot be checked: {e}"))?;
    match data["community"]["communityId"].as_str() {
        Some(served) if served == wanted => Ok(()),
        Some(served) => Err(format!(
            "this endpoint serves the jurisdiction {served} only, not {wanted:?}"
        )),
        None => Err("this endpoint serves no jurisdiction yet (no community recorded)".into()),
    }
}
