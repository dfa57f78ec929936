//! Token secrets: 32 random bytes shown to the operator once; only their SHA-256 is stored.

use govledger_core::hash::Hash256;

/// Every token starts with this, so a leaked one is easy to recognise in logs and scanners.
pub const TOKEN_PREFIX: &str = "glt_";
const TOKEN_RANDOM_BYTES: usize = 32;

/// A token as the client sends it.
pub struct TokenSecret(String);

impl TokenSecret {
    /// A fresh random token.
    pub fn generate() -> Result<TokenSecret, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_RANDOM_BYTES];
        getrandom::fill(&mut bytes)?;
        let mut text = String::with_capacity(TOKEN_PREFIX.len() + 2 * TOKEN_RANDOM_BYTES);
        text.push_str(TOKEN_PREFIX);
        text.push_str(&Hash256(bytes).to_hex());
        Ok(TokenSecret(text))
    }

    pub fn from_client(text: &str) -> TokenSecret {
        TokenSecret(text.trim().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the token store keeps and looks up by.
    pub fn digest(&self) -> Hash256 {
        Hash256::of_bytes(self.0.as_bytes())
    }
}

impl std::fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSecret(..)")
    }
}
