//! How every mutation runs a domain command, and the generic `executeCommand`; the typed
//! mutations live in `schema::mutations`. Every domain command, in the input/payload style. A rejected command comes back
//! in `userErrors` with nothing appended; a caller that may not write at all (no token, an
//! auditor) gets a top-level `UNAUTHENTICATED` / `FORBIDDEN` error. The synchronous
//! `CommandHandler` runs on a blocking thread.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use govledger_core::domain::aggregate::ActingAs;
use govledger_core::domain::command::Command;
use govledger_core::domain::error::DomainError;
use govledger_core::domain::ids::{AccountId, OrganisationId};
use govledger_core::domain::role::Role;
use govledger_core::domain::service::envelope::{CommandEnvelope, CommandError, CommandErrorKind};
use govledger_core::domain::streams::{StreamRef, parse_stream};
use govledger_core::event::{IdempotencyKey, StreamId};
use govledger_projections::cases::view::CaseKind;

use crate::access::Principal;
use crate::error::{ErrorCode, api_error, internal_error};
use crate::schema::context::{principal, service};
use crate::schema::read::{CaseView, blocking, read_models};
use crate::schema::scalars::{DateTime, Int64};

/// One domain command. `command` is the command in the domain's JSON form (see
/// docs/graphql.md), e.g. `{"Request": {"request_id": "…", "command": {"Accept": {"category": null}}}}`.
#[derive(InputObject)]
pub struct ExecuteCommandInput {
    pub command: Json<serde_json::Value>,
    /// Makes a retry safe: the same key with the same command returns the first outcome.
    pub idempotency_key: String,
    /// The case version the sender decided on; a different current version is a conflict.
    pub expected_version: Option<Int64>,
    /// When it happened, for back-filled paper records; now when omitted.
    pub occurred_at: Option<DateTime>,
}

/// What every command takes besides its own fields (flattened into each typed mutation's input).
#[derive(InputObject)]
pub struct CommandOptions {
    /// Makes a retry safe: the same key with the same command returns the first outcome.
    pub idempotency_key: String,
    /// The case version the sender decided on; a different current version is a conflict.
    pub expected_version: Option<Int64>,
    /// When it happened, for back-filled paper records; now when omitted.
    pub occurred_at: Option<DateTime>,
}

/// Why a command was not carried out (nothing was appended).
#[derive(SimpleObject)]
pub struct UserError {
    /// The input field at fault, when one is.
    pub field: Option<Vec<String>>,
    pub message: String,
    /// `BAD_USER_INPUT`, `FORBIDDEN`, `NOT_FOUND` or `CONFLICT`.
    pub code: String,
}

/// What a command did.
pub struct CommandPayload {
    stream: Option<StreamId>,
    first_position: Option<u64>,
    last_position: Option<u64>,
    stream_version: Option<u64>,
    replayed: bool,
    user_errors: Vec<UserError>,
    /// The domain field (`snake_case`) a rejection names; each mutation maps it into its input.
    domain_field: Option<&'static str>,
}

#[Object]
impl CommandPayload {
    /// The stream (case) appended to.
    async fn stream_id(&self) -> Option<&str> {
        self.stream.as_ref().map(StreamId::as_str)
    }

    /// Ledger positions appended (empty when rejected).
    async fn positions(&self) -> Vec<Int64> {
        match (self.first_position, self.last_position) {
            (Some(first), Some(last)) => (first..=last).map(Int64::from).collect(),
            _ => Vec::new(),
        }
    }

    /// The case's version after the command.
    async fn stream_version(&self) -> Option<Int64> {
        self.stream_version.map(Int64::from)
    }

    /// Whether this repeats an earlier command with the same idempotency key.
    async fn replayed(&self) -> bool {
        self.replayed
    }

    /// Pass as `consistency` to any query to read this write.
    async fn consistency(&self) -> Option<Int64> {
        self.last_position.map(Int64::from)
    }

    async fn user_errors(&self) -> &[UserError] {
        &self.user_errors
    }

    /// The affected case as the read models show it once they have applied the command.
    async fn case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CaseView>> {
        let (Some(stream), Some(position)) = (&self.stream, self.last_position) else {
            return Ok(None);
        };
        let (kind, id) = match parse_stream(stream) {
            Some(StreamRef::Request(id)) => (CaseKind::Request, id.0),
            Some(StreamRef::WorkProject(id)) => (CaseKind::WorkProject, id.0),
            Some(StreamRef::Mediation(id)) => (CaseKind::Mediation, id.0),
            Some(StreamRef::Decision(id)) => (CaseKind::Decision, id.0),
            _ => return Ok(None),
        };
        let read = read_models(ctx, Some(Int64::from(position))).await?;
        Ok(blocking(read, move |read| read.case(kind, id))
            .await?
            .map(CaseView))
    }
}

impl CommandPayload {
    pub(crate) fn rejected(
        field: Option<Vec<String>>,
        message: String,
        code: ErrorCode,
    ) -> CommandPayload {
        CommandPayload {
            stream: None,
            first_position: None,
            last_position: None,
            stream_version: None,
            replayed: false,
            user_errors: vec![UserError {
                field,
                message,
                code: code.as_str().to_string(),
            }],
            domain_field: None,
        }
    }

    /// Points a domain rejection at the input: `path_of` turns the domain field the rejection
    /// names into the input path the mutation's caller sent it at.
    pub(crate) fn locate_rejection(
        mut self,
        path_of: impl Fn(&str) -> Option<Vec<String>>,
    ) -> CommandPayload {
        if let (Some(field), Some(error)) = (self.domain_field, self.user_errors.first_mut()) {
            error.field = path_of(field);
        }
        self
    }
}

/// The actor a caller sends commands as, or why it may not.
pub(crate) fn acting_as(principal: &Principal) -> async_graphql::Result<ActingAs> {
    let grant = match principal {
        Principal::Public => {
            tracing::warn!(
                caller = "public",
                "access denied: a command without a token"
            );
            return Err(api_error(
                ErrorCode::Unauthenticated,
                "commands need a bearer token",
            ));
        }
        Principal::Member(grant) => grant,
    };
    if grant.role == Role::Auditor {
        tracing::warn!(caller = %principal.describe(), "access denied: auditors write nothing");
        return Err(api_error(
            ErrorCode::Forbidden,
            "an auditor's token reads everything and writes nothing",
        ));
    }
    let organisation_id = grant.organisation_id.ok_or_else(|| {
        api_error(
            ErrorCode::Forbidden,
            "this token names no organisation; create one with --organisation to send commands",
        )
    })?;
    Ok(ActingAs {
        account_id: AccountId(grant.account_id),
        role: grant.role,
        organisation_id: OrganisationId(organisation_id),
    })
}

/// The generic form: any domain command as JSON. Front-ends should prefer the typed mutations.
#[derive(Default)]
pub(crate) struct GenericMutations;

#[Object]
impl GenericMutations {
    /// Executes one domain command, given in the domain's JSON form, against its case, with the
    /// caller's role and organisation as the actor. The domain's authority rules decide whether
    /// the role may send it. The typed mutations (`receiveRequest`, …) do the same with checked
    /// inputs.
    async fn execute_command(
        &self,
        ctx: &Context<'_>,
        input: ExecuteCommandInput,
    ) -> async_graphql::Result<CommandPayload> {
        let options = CommandOptions {
            idempotency_key: input.idempotency_key,
            expected_version: input.expected_version,
            occurred_at: input.occurred_at,
        };
        acting_as(principal(ctx))?;
        let command: Command = match serde_json::from_value(input.command.0) {
            Ok(command) => command,
            Err(error) => {
                return Ok(CommandPayload::rejected(
                    input_path(&["command"]),
                    format!("not a command: {error}"),
                    ErrorCode::BadUserInput,
                ));
            }
        };
        // The fault lies somewhere in the domain JSON.
        let payload = run_command(ctx, command, options).await?;
        Ok(payload.locate_rejection(|_| input_path(&["command"])))
    }
}

/// `["input", field, …]`: where in a mutation's input a fault lies.
pub(crate) fn input_path(fields: &[&str]) -> Option<Vec<String>> {
    Some(
        std::iter::once("input")
            .chain(fields.iter().copied())
            .map(str::to_string)
            .collect(),
    )
}

/// A domain field name (`planned_quantities`) as its GraphQL input field (`plannedQuantities`).
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper_next = false;
    for c in snake.chars() {
        match c {
            '_' => upper_next = true,
            c if upper_next => {
                out.extend(c.to_uppercase());
                upper_next = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The domain field a rejection names, when it names one.
fn rejected_field(error: &CommandError) -> Option<&'static str> {
    let CommandError::Domain(error) = error else {
        return None;
    };
    let field = match error {
        DomainError::EmptyText { field }
        | DomainError::TextTooLong { field, .. }
        | DomainError::NotPositive { field, .. }
        | DomainError::TooLarge { field, .. }
        | DomainError::TooMany { field, .. }
        | DomainError::InvalidInput { field, .. } => *field,
        DomainError::DueBeforeDispatch { .. } => "due_at",
        _ => return None,
    };
    Some(field)
}

/// The typed input field of a domain field: `planned_quantities` → `["input",
/// "plannedQuantities"]`. The actor is no input field (it comes from the token); an
/// authorisation's ceiling is reported at the list holding it.
pub(crate) fn typed_input_path(domain_field: &str) -> Option<Vec<String>> {
    match domain_field {
        "actor" => None,
        "budget_cents_max" => input_path(&["authorisations"]),
        field => input_path(&[&camel_case(field)]),
    }
}

/// Runs one command for the caller: the caller's role and organisation as the actor, the
/// idempotency key checked, the handler on a blocking thread, and its refusal mapped to
/// `userErrors` (nothing appended) or, for a ledger that is unavailable or damaged, a
/// top-level error.
pub(crate) async fn run_command(
    ctx: &Context<'_>,
    command: Command,
    options: CommandOptions,
) -> async_graphql::Result<CommandPayload> {
    let caller = principal(ctx);
    let actor = acting_as(caller)?;
    let key = match IdempotencyKey::new(options.idempotency_key) {
        Ok(key) => key,
        Err(error) => {
            return Ok(CommandPayload::rejected(
                input_path(&["idempotencyKey"]),
                error.to_string(),
                ErrorCode::BadUserInput,
            ));
        }
    };
    let mut envelope = CommandEnvelope::new(actor, command);
    envelope.idempotency_key = Some(key);
    envelope.expected_version = options
        .expected_version
        .map(|version| version.non_negative("expectedVersion"))
        .transpose()?;
    envelope.occurred_at = options.occurred_at.map(|t| t.0);
    let service = std::sync::Arc::clone(service(ctx)?);
    let name = envelope.command.name();
    let erasure = match &envelope.command {
        Command::ErasePersonalData { person_id, basis } => Some((*person_id, *basis)),
        _ => None,
    };
    let (outcome, erased) = tokio::task::spawn_blocking(move || {
        let outcome = service.commands.execute(&envelope);
        // An erasure recorded (or recorded before: a retry) removes the details too, the
        // ledger event first (`personal_data::erase_person`'s order).
        let recorded = match &outcome {
            Ok(_) => true,
            Err(CommandError::Domain(DomainError::WrongState { .. })) => true,
            Err(_) => false,
        };
        let erased = match (erasure, service.personal.as_ref()) {
            (Some((person, basis)), Some(personal)) if recorded => personal.erase(person, basis),
            _ => Ok(()),
        };
        (outcome, erased)
    })
    .await
    .map_err(|e| internal_error("command task", e))?;
    if let Err(error) = erased {
        tracing::error!(%error, "removing erased personal data");
        return Err(api_error(
            ErrorCode::Unavailable,
            "the erasure is recorded but the details are not yet removed; retry with the same \
             idempotency key",
        ));
    }
    match outcome {
        Ok(outcome) => Ok(CommandPayload {
            stream: Some(outcome.stream),
            first_position: Some(outcome.first_position),
            last_position: Some(outcome.last_position),
            stream_version: Some(outcome.stream_version),
            replayed: outcome.replayed,
            user_errors: Vec::new(),
            domain_field: None,
        }),
        Err(error) => {
            let code = match error.kind() {
                CommandErrorKind::Rejected => ErrorCode::BadUserInput,
                CommandErrorKind::Unauthorised => {
                    tracing::warn!(caller = %caller.describe(), command = name, %error, "access denied");
                    ErrorCode::Forbidden
                }
                CommandErrorKind::NotFound => ErrorCode::NotFound,
                CommandErrorKind::Conflict => ErrorCode::Conflict,
                CommandErrorKind::Storage => {
                    tracing::error!(%error, "command failed in the store");
                    return Err(api_error(
                        ErrorCode::Unavailable,
                        "the ledger is not available right now; retry with the same idempotency key",
                    ));
                }
                CommandErrorKind::Corrupt => {
                    return Err(internal_error("executing a command", error));
                }
            };
            let mut payload = CommandPayload::rejected(None, error.to_string(), code);
            if let ErrorCode::BadUserInput = code {
                payload.domain_field = rejected_field(&error);
            }
            Ok(payload)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::typed_input_path;

    fn check(domain_field: &str, expect: Option<&[&str]>) {
        let expect = expect.map(|path| path.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        assert_eq!(typed_input_path(domain_field), expect, "{domain_field}");
    }

    #[test]
    fn domain_fields_map_to_typed_input_paths() {
        check("description", Some(&["input", "description"]));
        check("planned_quantities", Some(&["input", "plannedQuantities"]));
        check(
            "referred_by_organisation_id",
            Some(&["input", "referredByOrganisationId"]),
        );
        check("occurred_at", Some(&["input", "occurredAt"]));
        check("budget_cents_max", Some(&["input", "authorisations"]));
        check("actor", None);
    }
}
