//! What every resolver reads from the request context.

use std::sync::Arc;

use async_graphql::Context;

use crate::access::Principal;
use crate::error::{ErrorCode, api_error};
use crate::service::LedgerService;

const PUBLIC: Principal = Principal::Public;

/// The caller; the public view when the request carried no token.
pub fn principal<'a>(ctx: &Context<'a>) -> &'a Principal {
    ctx.data_opt::<Principal>().unwrap_or(&PUBLIC)
}

/// The shared service (always present: `schema::build` puts it in the schema data).
pub fn service<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Arc<LedgerService>> {
    ctx.data::<Arc<LedgerService>>().map_err(|_| {
        api_error(
            ErrorCode::Internal,
            "the schema was built without its service",
        )
    })
}
