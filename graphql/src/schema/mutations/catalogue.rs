//! Which typed mutation sends which domain command, and who may send it: the table in
//! docs/graphql.md is generated from here (a test keeps the two in step).

use govledger_core::domain::authority::permitted_roles;

/// Every domain command (its `snake_case` name, the key of the authority matrix) with the
/// typed mutation that sends it. `correctFact` sends one command per kind of target.
pub const MUTATIONS: &[(&str, &str)] = &[
    ("receiveRequest", "receive_request"),
    ("acceptRequest", "accept_request"),
    ("rejectRequest", "reject_request"),
    ("mergeRequest", "merge_request"),
    ("dispatchRequest", "dispatch_request"),
    ("sendBackRequest", "send_back_request"),
    ("startRequestWork", "start_request_work"),
    ("resolveRequest", "resolve_request"),
    ("recordRequestFollowUp", "follow_up_request"),
    ("closeRequest", "close_request"),
    ("reopenRequest", "reopen_request"),
    ("escalateRequest", "escalate_request"),
    ("proposeWorkProject", "propose_work_project"),
    ("approveWorkProject", "approve_work_project"),
    ("contractWorkProject", "contract_work_project"),
    ("startWorkProject", "start_work_project"),
    ("recordWorkProgress", "record_work_progress"),
    ("completeWorkProject", "complete_work_project"),
    ("passWorkInspection", "pass_work_inspection"),
    ("failWorkInspection", "fail_work_inspection"),
    ("raiseWarrantyClaim", "raise_warranty_claim"),
    ("settleWarrantyClaim", "settle_warranty_claim"),
    ("closeWorkProject", "close_work_project"),
    ("cancelWorkProject", "cancel_work_project"),
    ("registerMediation", "register_mediation"),
    ("acceptMediation", "accept_mediation"),
    ("declineMediation", "decline_mediation"),
    ("recordMediationSession", "record_mediation_session"),
    ("recordMediationAgreement", "record_mediation_agreement"),
    ("recordMediationFailure", "record_mediation_failure"),
    (
        "followUpMediationPerformance",
        "follow_up_mediation_performance",
    ),
    ("archiveMediation", "archive_mediation"),
    ("proposeDecision", "propose_decision"),
    ("openVoting", "open_voting"),
    ("castBallot", "cast_ballot"),
    ("tallyDecision", "tally_decision"),
    ("publishDecision", "publish_decision"),
    ("withdrawDecision", "withdraw_decision"),
    ("bootstrapDirectory", "bootstrap_directory"),
    ("setCommunityTimeZone", "set_community_time_zone"),
    ("publishHolidays", "publish_holidays"),
    ("setCategoryTimeLimits", "set_category_time_limits"),
    ("registerCompound", "register_compound"),
    ("registerBuilding", "register_building"),
    ("registerUnit", "register_unit"),
    ("recordUnitOwners", "record_unit_owners"),
    ("registerGrid", "register_grid"),
    ("registerOrganisation", "register_organisation"),
    ("openAccount", "open_account"),
    ("grantRole", "grant_role"),
    ("endRole", "end_role"),
    ("closeAccount", "close_account"),
    ("correctFact", "correct_request_fact"),
    ("correctFact", "correct_work_project_fact"),
    ("correctFact", "correct_mediation_fact"),
    ("correctFact", "correct_decision_fact"),
    ("correctFact", "correct_directory_fact"),
    ("correctFact", "correct_person_fact"),
    ("erasePersonalData", "erase_personal_data"),
];

/// The mutation table of docs/graphql.md: mutation, domain command, the roles that may send
/// it (from the authority matrix).
pub fn mutations_markdown() -> String {
    let mut out = String::from(
        "| mutation | domain command | who may send it ([authority](authority.md#role--command-matrix)) |\n|---|---|---|\n",
    );
    for (mutation, command) in MUTATIONS {
        let roles: Vec<&str> = permitted_roles(command)
            .iter()
            .map(|role| role.as_str())
            .collect();
        out.push_str(&format!(
            "| `{mutation}` | `{command}` | {} |\n",
            roles.join(", ")
        ));
    }
    out
}
