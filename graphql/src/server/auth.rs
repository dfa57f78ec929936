//! Resolving a caller from `Authorization: Bearer …` (HTTP) or the `connection_init`
//! payload (WebSocket). Every refusal is logged.

use crate::access::{Principal, TokenSecret, TokenStore};

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The header is not `Bearer <token>`.
    Malformed,
    /// No live token has this value (unknown or revoked).
    UnknownToken,
    /// The token database failed.
    Unavailable,
}

impl Refusal {
    pub(crate) const fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "the Authorization header must be `Bearer <token>`",
            Refusal::UnknownToken => "the bearer token is unknown or revoked",
            Refusal::Unavailable => "the token database is not available; retry later",
        }
    }
}

/// The caller for an optional `Authorization` value: public without one.
pub(crate) fn principal_from_authorization(
    tokens: &TokenStore,
    authorization: Option<&str>,
    channel: &'static str,
) -> Result<Principal, Refusal> {
    let Some(value) = authorization else {
        return Ok(Principal::Public);
    };
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
    else {
        tracing::warn!(channel, reason = "malformed authorization", "access denied");
        return Err(Refusal::Malformed);
    };
    match tokens.authenticate(&TokenSecret::from_client(token)) {
        Ok(Some(grant)) => Ok(Principal::Member(grant)),
        Ok(None) => {
            tracing::warn!(
                channel,
                reason = "unknown or revoked token",
                "access denied"
            );
            Err(Refusal::UnknownToken)
        }
        Err(error) => {
            tracing::error!(channel, %error, "token database failed");
            Err(Refusal::Unavailable)
        }
    }
}
