//! `rebuildReadModel`: a directory administrator asks the running server to rebuild a read
//! model (one, or all) from position 1, e.g. after a stop whose cause a new release fixed.
//! Queries keep reading the previous generation until the new one has caught up and
//! switches in; a stopped read model is live again from that switch.

use async_graphql::{Context, Object, SimpleObject};
use govledger_core::domain::role::Role;
use govledger_projections::runner::RebuildScope;

use crate::access::Principal;
use crate::error::{ErrorCode, api_error};
use crate::schema::context::{principal, service};
use crate::schema::read::projection_error;

#[derive(Default)]
pub struct ReadModelMutations;

/// A rebuild that has started; follow it with `readModels` (state `REBUILDING`, then
/// `CAUGHT_UP`).
#[derive(Debug, Clone, SimpleObject)]
pub struct RebuildStarted {
    /// The read models being rebuilt.
    pub names: Vec<String>,
}

#[Object]
impl ReadModelMutations {
    /// Rebuilds `name` (or every read model when omitted) in the background. Only a
    /// directory administrator may; an unknown name, or one already rebuilding, is refused.
    async fn rebuild_read_model(
        &self,
        ctx: &Context<'_>,
        name: Option<String>,
    ) -> async_graphql::Result<RebuildStarted> {
        let caller = principal(ctx);
        match caller {
            Principal::Member(grant) if grant.role == Role::DirectoryAdministrator => {}
            Principal::Public => {
                return Err(api_error(
                    ErrorCode::Unauthenticated,
                    "rebuilding a read model needs a directory administrator's token",
                ));
            }
            Principal::Member(_) => {
                tracing::warn!(caller = %caller.describe(), "access denied: rebuildReadModel");
                return Err(api_error(
                    ErrorCode::Forbidden,
                    "only a directory administrator may rebuild a read model",
                ));
            }
        }
        let read = service(ctx)?.read.as_ref().ok_or_else(|| {
            api_error(
                ErrorCode::Unavailable,
                "this server runs without read models",
            )
        })?;
        let names: Vec<String> = match &name {
            Some(name) => vec![name.clone()],
            None => read.status().iter().map(|s| s.name.to_string()).collect(),
        };
        let scope = match name {
            Some(name) => RebuildScope::Named(name),
            None => RebuildScope::All,
        };
        let task = read
            .runner()
            .start_rebuild(scope)
            .map_err(projection_error)?;
        tracing::info!(caller = %caller.describe(), read_models = ?names, "rebuild requested");
        let rebuilt = names.clone();
        tokio::spawn(async move {
            match task.await {
                Ok(Ok(())) => tracing::info!(read_models = ?rebuilt, "rebuild done"),
                Ok(Err(error)) => {
                    tracing::error!(read_models = ?rebuilt, %error, "rebuild stopped")
                }
                Err(panic) => tracing::error!(read_models = ?rebuilt, %panic, "rebuild panicked"),
            }
        });
        Ok(RebuildStarted { names })
    }
}
