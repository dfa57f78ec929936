//! Who is asking: bearer API tokens, each mapped to one account acting in one role (for one
//! organisation), stored only as SHA-256 hashes. No token means the public, read-only view.

mod legacy_sled;
mod principal;
mod secret;
mod shared_tokens;
mod token_log;
mod token_store;
mod token_table;

pub use principal::{Principal, ReadScope};
pub use secret::{TOKEN_PREFIX, TokenSecret};
/// The token log for backups and restores (ADR 0009).
pub(crate) mod token_log_copy {
    pub(crate) use super::token_log::{check, snapshot, write_copy};
}
pub use token_store::{
    AccessError, Grant, NewGrant, TOKEN_LABEL_BYTES_MAX, TokenRecord, TokenStore,
};
