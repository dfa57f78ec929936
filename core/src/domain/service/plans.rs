//! Deciding one command into a plan: load the case and what it refers to, let the aggregate
//! decide, and work out the correlation and causation of the events. One function per kind of
//! command; `CommandHandler::decide` picks it.

use uuid::Uuid;

use crate::domain::aggregate::{Aggregate, Context, Related};
use crate::domain::command::Command;
use crate::domain::correction::{CorrectFact, FactCorrected, decide_correction};
use crate::domain::decision::Decision;
use crate::domain::decision::commands::DecisionCommand;
use crate::domain::directory::Directory;
use crate::domain::directory::commands::DirectoryCommand;
use crate::domain::erasure::{ErasureBasis, PersonRecord};
use crate::domain::error::DomainError;
use crate::domain::event::DomainEvent;
use crate::domain::ids::{DecisionId, MediationId, PersonId, RequestId, WorkProjectId};
use crate::domain::mediation::Mediation;
use crate::domain::mediation::commands::MediationCommand;
use crate::domain::request::ServiceRequest;
use crate::domain::request::commands::RequestCommand;
use crate::domain::service::CommandHandler;
use crate::domain::service::envelope::CommandError;
use crate::domain::service::loading::Loaded;
use crate::domain::streams::{
    StreamRef, decision_stream, directory_stream, request_stream, stream_of, work_project_stream,
};
use crate::domain::work_project::WorkProject;
use crate::domain::work_project::commands::WorkProjectCommand;
use crate::event::StreamId;

/// What a decision produced, ready to append.
pub(super) struct Plan {
    pub(super) stream: StreamId,
    pub(super) version: u64,
    pub(super) events: Vec<DomainEvent>,
    pub(super) correlation_id: Uuid,
    pub(super) causation_id: Option<Uuid>,
}

impl Plan {
    /// What decided events become before the envelope is added.
    fn of<A: Aggregate>(
        stream: StreamId,
        case: &Loaded<A>,
        events: Vec<A::Event>,
        new_case_correlation: Uuid,
        cause: Option<Uuid>,
    ) -> Plan {
        Plan {
            stream,
            version: case.version(),
            events: events.into_iter().map(Into::into).collect(),
            correlation_id: case.correlation_id.unwrap_or(new_case_correlation),
            causation_id: cause.or(case.last_event_id()),
        }
    }

    /// A new case that comes from another one (its case chain and last event) joins that
    /// chain, caused by that event.
    fn continuing(mut self, origin: Option<(Uuid, Uuid)>) -> Plan {
        if self.version == 0
            && let Some((correlation, cause)) = origin
        {
            self.correlation_id = correlation;
            self.causation_id = Some(cause);
        }
        self
    }
}

type Planned = Result<Plan, CommandError>;

impl CommandHandler {
    /// Decides a command against its case, with the directory as of now.
    pub(super) fn decide(
        &self,
        command: &Command,
        directory: &Loaded<Directory>,
        context: &Context<'_>,
    ) -> Planned {
        match command {
            Command::Request {
                request_id,
                command,
            } => self.plan_request(*request_id, command, context),
            Command::WorkProject {
                work_project_id,
                command,
            } => self.plan_work_project(*work_project_id, command, context),
            Command::Mediation {
                mediation_id,
                command,
            } => self.plan_mediation(*mediation_id, command, context),
            Command::Decision {
                decision_id,
                command,
            } => self.plan_decision(*decision_id, command, context),
            Command::Directory(command) => plan_directory(command, directory, context),
            Command::CorrectFact { target, correction } => {
                self.plan_correction(*target, correction, directory)
            }
            Command::ErasePersonalData { person_id, basis } => {
                self.plan_erasure(*person_id, basis, context)
            }
        }
    }

    /// A request, with the request a merge targets and the project a resolution names.
    fn plan_request(
        &self,
        request_id: RequestId,
        command: &RequestCommand,
        context: &Context<'_>,
    ) -> Planned {
        let stream = request_stream(request_id);
        let case = self.load::<ServiceRequest>(&stream)?;
        let target = match command {
            RequestCommand::MergeInto { into_request_id } => {
                Some(self.load::<ServiceRequest>(&request_stream(*into_request_id))?)
            }
            _ => None,
        };
        let project = match command {
            RequestCommand::Resolve {
                work_project_id: Some(id),
                ..
            } => Some(self.load::<WorkProject>(&work_project_stream(*id))?),
            _ => None,
        };
        let related = Related {
            request: target.as_ref().map(Loaded::state),
            work_project: project.as_ref().map(Loaded::state),
            ..Related::default()
        };
        let context = Context {
            related,
            ..*context
        };
        let events = case.state().handle(request_id, command, &context)?;
        Ok(Plan::of(stream, &case, events, request_id.0, None))
    }

    /// A work project, with the decision an approval cites (which causes the approval); a
    /// proposal joins the case chain of its first linked request.
    fn plan_work_project(
        &self,
        work_project_id: WorkProjectId,
        command: &WorkProjectCommand,
        context: &Context<'_>,
    ) -> Planned {
        let stream = work_project_stream(work_project_id);
        let case = self.load::<WorkProject>(&stream)?;
        let (decision, cause) = match command {
            WorkProjectCommand::Approve { decision_id, .. } => {
                let decision = self.load::<Decision>(&decision_stream(*decision_id))?;
                let cause = decision.last_event_of_type("DecisionAdopted");
                (Some(decision), cause)
            }
            _ => (None, None),
        };
        let origin = match command {
            WorkProjectCommand::Propose {
                linked_request_ids, ..
            } => self.origin_of_requests(linked_request_ids)?,
            _ => None,
        };
        let related = Related {
            decision: decision.as_ref().map(Loaded::state),
            ..Related::default()
        };
        let context = Context {
            related,
            ..*context
        };
        let events = case.state().handle(work_project_id, command, &context)?;
        Ok(Plan::of(stream, &case, events, work_project_id.0, cause).continuing(origin))
    }

    fn plan_mediation(
        &self,
        mediation_id: MediationId,
        command: &MediationCommand,
        context: &Context<'_>,
    ) -> Planned {
        let stream = stream_of(StreamRef::Mediation(mediation_id));
        let case = self.load::<Mediation>(&stream)?;
        let events = case.state().handle(mediation_id, command, context)?;
        Ok(Plan::of(stream, &case, events, mediation_id.0, None))
    }

    /// A decision; a proposal joins the case chain of the first project it authorises, or
    /// else of its first linked request.
    fn plan_decision(
        &self,
        decision_id: DecisionId,
        command: &DecisionCommand,
        context: &Context<'_>,
    ) -> Planned {
        let stream = decision_stream(decision_id);
        let case = self.load::<Decision>(&stream)?;
        let origin = match command {
            DecisionCommand::Propose {
                authorisations,
                linked_request_ids,
                ..
            } => match authorisations.first() {
                Some(first) => {
                    let project =
                        self.load::<WorkProject>(&work_project_stream(first.work_project_id))?;
                    project.correlation_id.zip(project.last_event_id())
                }
                None => self.origin_of_requests(linked_request_ids)?,
            },
            _ => None,
        };
        let events = case.state().handle(decision_id, command, context)?;
        Ok(Plan::of(stream, &case, events, decision_id.0, None).continuing(origin))
    }

    /// A correction of an earlier event of any stream.
    fn plan_correction(
        &self,
        target: StreamRef,
        correction: &CorrectFact,
        directory: &Loaded<Directory>,
    ) -> Planned {
        let stream = stream_of(target);
        let (event, version, correlation) = match target {
            StreamRef::Request(_) => self.correct::<ServiceRequest>(&stream, correction)?,
            StreamRef::WorkProject(_) => self.correct::<WorkProject>(&stream, correction)?,
            StreamRef::Mediation(_) => self.correct::<Mediation>(&stream, correction)?,
            StreamRef::Decision(_) => self.correct::<Decision>(&stream, correction)?,
            StreamRef::Directory => correct_loaded(directory, correction)?,
            StreamRef::Person(_) => self.correct::<PersonRecord>(&stream, correction)?,
        };
        Ok(Plan {
            stream,
            version,
            events: vec![event.into()],
            correlation_id: correlation.unwrap_or(correction.corrects_event_id),
            causation_id: Some(correction.corrects_event_id),
        })
    }

    fn plan_erasure(
        &self,
        person_id: PersonId,
        basis: &ErasureBasis,
        context: &Context<'_>,
    ) -> Planned {
        let stream = stream_of(StreamRef::Person(person_id));
        let case = self.load::<PersonRecord>(&stream)?;
        let events = case.state().handle(person_id, basis, context)?;
        Ok(Plan::of(stream, &case, events, person_id.0, None))
    }

    /// The case chain and last event of the first linked request, if any.
    fn origin_of_requests(
        &self,
        request_ids: &[RequestId],
    ) -> Result<Option<(Uuid, Uuid)>, CommandError> {
        let Some(first) = request_ids.first() else {
            return Ok(None);
        };
        let request = self.load::<ServiceRequest>(&request_stream(*first))?;
        if !request.state().exists() {
            return Err(DomainError::NotFound {
                what: "request",
                id: first.to_string(),
            }
            .into());
        }
        Ok(request.correlation_id.zip(request.last_event_id()))
    }

    fn correct<A: Aggregate>(
        &self,
        stream: &StreamId,
        correction: &CorrectFact,
    ) -> Result<(FactCorrected, u64, Option<Uuid>), CommandError> {
        let case = self.load::<A>(stream)?;
        correct_loaded(&case, correction)
    }
}

/// The directory's own command; a new directory's case chain is its community.
fn plan_directory(
    command: &DirectoryCommand,
    directory: &Loaded<Directory>,
    context: &Context<'_>,
) -> Planned {
    let events = directory.state().handle((), command, context)?;
    let correlation = match command {
        DirectoryCommand::Bootstrap { community_id, .. } => community_id.0,
        _ => directory
            .state()
            .community
            .as_ref()
            .map_or(Uuid::nil(), |c| c.community_id.0),
    };
    Ok(Plan::of(
        directory_stream(),
        directory,
        events,
        correlation,
        None,
    ))
}

/// Decides a correction against a loaded stream: the event, the stream's version and chain.
fn correct_loaded<A: Aggregate>(
    case: &Loaded<A>,
    correction: &CorrectFact,
) -> Result<(FactCorrected, u64, Option<Uuid>), CommandError> {
    let event_type = case.event_type_of(correction.corrects_event_id);
    let event = decide_correction(correction, event_type)?;
    Ok((event, case.version(), case.correlation_id))
}
