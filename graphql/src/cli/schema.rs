//! `govledger schema`: the GraphQL SDL.

use crate::cli::{CliError, say};

pub(super) fn run() -> Result<(), CliError> {
    say(crate::schema::sdl());
    Ok(())
}
