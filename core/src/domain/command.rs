//! The closed set of commands: one enum per aggregate (in its `commands.rs`), wrapped here
//! with the id of the case they address.

use serde::{Deserialize, Serialize};

use crate::domain::correction::CorrectFact;
use crate::domain::decision::commands::DecisionCommand;
use crate::domain::directory::commands::DirectoryCommand;
use crate::domain::erasure::ErasureBasis;
use crate::domain::ids::{DecisionId, MediationId, PersonId, RequestId, WorkProjectId};
use crate::domain::mediation::commands::MediationCommand;
use crate::domain::request::commands::RequestCommand;
use crate::domain::streams::StreamRef;
use crate::domain::work_project::commands::WorkProjectCommand;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    Request {
        request_id: RequestId,
        command: RequestCommand,
    },
    WorkProject {
        work_project_id: WorkProjectId,
        command: WorkProjectCommand,
    },
    Mediation {
        mediation_id: MediationId,
        command: MediationCommand,
    },
    Decision {
        decision_id: DecisionId,
        command: DecisionCommand,
    },
    Directory(DirectoryCommand),
    /// Corrects an event of the stream `target` by appending `FactCorrected` to it.
    CorrectFact {
        target: StreamRef,
        correction: CorrectFact,
    },
    /// Records a personal-data erasure (the personal-data store removes the details).
    ErasePersonalData {
        person_id: PersonId,
        basis: ErasureBasis,
    },
}

impl Command {
    /// `snake_case` name, the key of the authority matrix.
    pub const fn name(&self) -> &'static str {
        match self {
            Command::Request { command, .. } => command.name(),
            Command::WorkProject { command, .. } => command.name(),
            Command::Mediation { command, .. } => command.name(),
            Command::Decision { command, .. } => command.name(),
            Command::Directory(command) => command.name(),
            Command::CorrectFact { target, .. } => match target {
                StreamRef::Request(_) => "correct_request_fact",
                StreamRef::WorkProject(_) => "correct_work_project_fact",
                StreamRef::Mediation(_) => "correct_mediation_fact",
                StreamRef::Decision(_) => "correct_decision_fact",
                StreamRef::Directory => "correct_directory_fact",
                StreamRef::Person(_) => "correct_person_fact",
            },
            Command::ErasePersonalData { .. } => "erase_personal_data",
        }
    }

    /// The stream the command appends to.
    pub const fn target(&self) -> StreamRef {
        match self {
            Command::Request { request_id, .. } => StreamRef::Request(*request_id),
            Command::WorkProject {
                work_project_id, ..
            } => StreamRef::WorkProject(*work_project_id),
            Command::Mediation { mediation_id, .. } => StreamRef::Mediation(*mediation_id),
            Command::Decision { decision_id, .. } => StreamRef::Decision(*decision_id),
            Command::Directory(_) => StreamRef::Directory,
            Command::CorrectFact { target, .. } => *target,
            Command::ErasePersonalData { person_id, .. } => StreamRef::Person(*person_id),
        }
    }
}
