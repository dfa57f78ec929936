//! The storage layer's failures, and how they reach the crate's errors. The one place that
//! converts sled's errors, so `crate::error` names no storage engine.

use crate::error::{ApplyError, ProjectionError};

/// A failure of the read-model database (its disk, or the engine itself). Reads as the
/// engine's own message: callers that put it in a reason say what they were doing.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(crate) struct StorageError(#[from] sled::Error);

impl From<StorageError> for ProjectionError {
    fn from(error: StorageError) -> ProjectionError {
        ProjectionError::Storage(error.to_string())
    }
}

impl From<StorageError> for ApplyError {
    fn from(error: StorageError) -> ApplyError {
        ApplyError::Storage(error.to_string())
    }
}

impl From<sled::Error> for ProjectionError {
    fn from(error: sled::Error) -> ProjectionError {
        ProjectionError::Storage(error.to_string())
    }
}

impl From<sled::Error> for ApplyError {
    fn from(error: sled::Error) -> ApplyError {
        ApplyError::Storage(error.to_string())
    }
}
