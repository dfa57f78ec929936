//! C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text a log signs for each tree
//! head, `<origin>\n<tree size>\n<base64 root hash>\n`, plus optional extension lines.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

use crate::hash::Hash256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash256,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("checkpoint is malformed: {0}")]
pub struct MalformedCheckpoint(pub &'static str);

impl Checkpoint {
    /// The checkpoint's note text (no extension lines).
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.tree_size,
            STANDARD.encode(self.root.0)
        )
    }

    /// Parses a checkpoint's note text (extension lines are allowed and ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, MalformedCheckpoint> {
        let mut lines = text.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(MalformedCheckpoint("origin"))?;
        let size_text = lines.next().ok_or(MalformedCheckpoint("tree size"))?;
        let canonical = !size_text.is_empty()
            && size_text.bytes().all(|b| b.is_ascii_digit())
            && (size_text == "0" || !size_text.starts_with('0'));
        let tree_size = size_text
            .parse::<u64>()
            .ok()
            .filter(|_| canonical)
            .ok_or(MalformedCheckpoint("tree size"))?;
        let root_text = lines.next().ok_or(MalformedCheckpoint("root hash"))?;
        let root: [u8; 32] = STANDARD
            .decode(root_text)
            .ok()
            .and_then(|raw| raw.try_into().ok())
            .ok_or(MalformedCheckpoint("root hash"))?;
        if !text.ends_with('\n') {
            return Err(MalformedCheckpoint("does not end in a newline"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            tree_size,
            root: Hash256(root),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_text_round_trips_and_refuses_noncanonical_sizes() {
        let checkpoint = Checkpoint {
            origin: "govledger.local/test/0011223344556677".into(),
            tree_size: 42,
            root: Hash256([9; 32]),
        };
        let text = checkpoint.to_text();
        assert_eq!(
            text,
            "govledger.local/test/0011223344556677\n42\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n"
        );
        assert_eq!(Checkpoint::parse(&text), Ok(checkpoint));
        assert!(
            Checkpoint::parse("o\n042\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n").is_err()
        );
        assert!(
            Checkpoint::parse("o\n-1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n").is_err()
        );
        assert!(Checkpoint::parse("o\n1\nCQkJ\n").is_err());
        assert!(Checkpoint::parse("\n1\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n").is_err());
    }
}
