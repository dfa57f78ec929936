//! Typed mutations: one per domain command, named in the domain's words, each taking one
//! `<Name>Input` whose fields mirror the command's (ids as `ID`, enums as GraphQL enums, times
//! as `DateTime`, amounts with their units in the name) plus the common `idempotencyKey`,
//! `expectedVersion` and `occurredAt`. All run through `commands::run_command`.

pub mod catalogue;
pub mod correction;
pub mod decision;
pub mod directory;
pub mod mediation;
pub mod read_models;
pub mod request;
pub mod vocabulary;
pub mod work_project;

use async_graphql::{Context, ID, MergedObject};
use govledger_core::domain::command::Command;
use uuid::Uuid;

use crate::error::ErrorCode;
use crate::schema::commands::{
    CommandOptions, CommandPayload, GenericMutations, acting_as, input_path, run_command,
    typed_input_path,
};
use crate::schema::context::principal;

/// Every mutation: the generic `executeCommand` and the typed one per domain command.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    GenericMutations,
    request::RequestMutations,
    work_project::WorkProjectMutations,
    mediation::MediationMutations,
    decision::DecisionMutations,
    directory::DirectoryMutations,
    correction::CorrectionMutations,
    read_models::ReadModelMutations,
);

/// An input the GraphQL types accept but the command cannot use (an id that is not a UUID).
#[derive(Debug)]
pub(crate) struct BadInput {
    path: Vec<String>,
    message: String,
}

impl BadInput {
    pub(crate) fn new(path: &[&str], message: impl Into<String>) -> BadInput {
        BadInput {
            path: path.iter().map(|p| p.to_string()).collect(),
            message: message.into(),
        }
    }
}

/// A command built from a typed input, or the input field at fault.
pub(crate) type Built = Result<Command, BadInput>;

/// The id at `path` inside the input, as the domain's typed id.
pub(crate) fn id_at<T: From<Uuid>>(path: &[&str], value: &ID) -> Result<T, BadInput> {
    Uuid::parse_str(value).map(T::from).map_err(|_| {
        BadInput::new(
            path,
            format!(
                "`{}` must be a UUID, not {:?}",
                path.join("."),
                value.as_str()
            ),
        )
    })
}

/// The id in the input field `field`.
pub(crate) fn id<T: From<Uuid>>(field: &str, value: &ID) -> Result<T, BadInput> {
    id_at(&[field], value)
}

/// An `Int64` that must not be negative (an area, a count) at `path` inside the input.
pub(crate) fn non_negative_at(
    path: &[&str],
    value: crate::schema::scalars::Int64,
) -> Result<u64, BadInput> {
    u64::try_from(value.0).map_err(|_| {
        BadInput::new(
            path,
            format!("`{}` must not be negative, not {}", path.join("."), value.0),
        )
    })
}

/// An optional id at `path` inside the input.
pub(crate) fn optional_id_at<T: From<Uuid>>(
    path: &[&str],
    value: Option<&ID>,
) -> Result<Option<T>, BadInput> {
    value.map(|value| id_at(path, value)).transpose()
}

/// An optional id in the input field `field`.
pub(crate) fn optional_id<T: From<Uuid>>(
    field: &str,
    value: Option<&ID>,
) -> Result<Option<T>, BadInput> {
    optional_id_at(&[field], value)
}

/// A list of ids in the input field `field`; a bad one is named by its index.
pub(crate) fn ids<T: From<Uuid>>(field: &str, values: &[ID]) -> Result<Vec<T>, BadInput> {
    values
        .iter()
        .enumerate()
        .map(|(index, value)| id_at(&[field, &index.to_string()], value))
        .collect()
}

/// Runs a command built from a typed input. A caller that may not write is refused before its
/// input is looked at; a bad input comes back in `userErrors` with its field path.
pub(crate) async fn run_typed(
    ctx: &Context<'_>,
    options: CommandOptions,
    built: Built,
) -> async_graphql::Result<CommandPayload> {
    acting_as(principal(ctx))?;
    match built {
        Ok(command) => Ok(run_command(ctx, command, options)
            .await?
            .locate_rejection(typed_input_path)),
        Err(bad) => {
            let path: Vec<&str> = bad.path.iter().map(String::as_str).collect();
            Ok(CommandPayload::rejected(
                input_path(&path),
                bad.message,
                ErrorCode::BadUserInput,
            ))
        }
    }
}
