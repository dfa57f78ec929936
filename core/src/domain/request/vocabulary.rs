//! The words of a service request: kind, category with its time limits, channel, outcome,
//! follow-up answers. Declaration order is part of the payload format: add variants at the end.

use serde::{Deserialize, Serialize};

/// What the resident asks for (诉求类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RequestKind {
    Enquiry,
    Help,
    Complaint,
    Suggestion,
}

impl RequestKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestKind::Enquiry => "enquiry",
            RequestKind::Help => "help",
            RequestKind::Complaint => "complaint",
            RequestKind::Suggestion => "suggestion",
        }
    }
}

/// What the request is about. Each category has default response and resolution limits,
/// used when a dispatcher does not set a due time (and as the measure of "on time").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RequestCategory {
    /// Repairs to common parts: roofs, doors, pipes, lights.
    Repair,
    /// Lifts: breakdowns, installation in older buildings.
    Lift,
    Parking,
    /// E-bike charging and bicycle sheds.
    EBikeCharging,
    /// Dog keeping and other pets.
    DogKeeping,
    /// Cleaning, rubbish, pests.
    Sanitation,
    /// Planting and green spaces.
    Greening,
    /// Security, cameras, access control.
    Security,
    /// Disputes between neighbours (noise, leaks, shared spaces).
    NeighbourDispute,
    /// Questions about policy, services and paperwork.
    PolicyEnquiry,
    /// Property-management service and fees.
    PropertyService,
    Other,
}

impl RequestCategory {
    pub const ALL: [RequestCategory; 12] = [
        RequestCategory::Repair,
        RequestCategory::Lift,
        RequestCategory::Parking,
        RequestCategory::EBikeCharging,
        RequestCategory::DogKeeping,
        RequestCategory::Sanitation,
        RequestCategory::Greening,
        RequestCategory::Security,
        RequestCategory::NeighbourDispute,
        RequestCategory::PolicyEnquiry,
        RequestCategory::PropertyService,
        RequestCategory::Other,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RequestCategory::Repair => "repair",
            RequestCategory::Lift => "lift",
            RequestCategory::Parking => "parking",
            RequestCategory::EBikeCharging => "e_bike_charging",
            RequestCategory::DogKeeping => "dog_keeping",
            RequestCategory::Sanitation => "sanitation",
            RequestCategory::Greening => "greening",
            RequestCategory::Security => "security",
            RequestCategory::NeighbourDispute => "neighbour_dispute",
            RequestCategory::PolicyEnquiry => "policy_enquiry",
            RequestCategory::PropertyService => "property_service",
            RequestCategory::Other => "other",
        }
    }

    /// Hours after dispatch by which the responsible organisation must first act
    /// (start work, resolve or send back). Lifts trap people: they come first.
    pub const fn response_limit_hours(self) -> i64 {
        match self {
            RequestCategory::Lift => 2,
            RequestCategory::Repair | RequestCategory::Security => 24,
            RequestCategory::Sanitation | RequestCategory::DogKeeping => 24,
            RequestCategory::PolicyEnquiry => 24,
            _ => 48,
        }
    }

    /// Days after dispatch by which the request should be resolved (the default due time).
    pub const fn resolution_limit_days(self) -> i64 {
        match self {
            RequestCategory::Lift => 2,
            RequestCategory::Sanitation => 3,
            RequestCategory::PolicyEnquiry => 5,
            RequestCategory::Repair | RequestCategory::Security => 7,
            RequestCategory::DogKeeping | RequestCategory::NeighbourDispute => 15,
            RequestCategory::Parking | RequestCategory::EBikeCharging => 30,
            RequestCategory::Greening | RequestCategory::PropertyService => 15,
            RequestCategory::Other => 15,
        }
    }
}

/// A time limit as a category states it: hours from the dispatch, or working days after
/// the dispatch's local date (to the end of the last one; the community's holiday calendar
/// says which days work, `calendar::HolidayCalendar`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeLimit {
    Hours(u32),
    WorkingDays(u32),
}

/// How the request reached the community. Added in `RequestReceived` schema version 2;
/// version-1 events are upcast with `Unrecorded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// Not recorded (events written before the channel was captured).
    Unrecorded,
    /// In person at a party-and-public service station.
    ServiceStation,
    /// Raised to a grid worker or volunteer on a household visit.
    GridVisit,
    Phone,
    /// Forwarded from the 12345 government hotline.
    Hotline12345,
    Online,
}

impl Channel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Unrecorded => "unrecorded",
            Channel::ServiceStation => "service_station",
            Channel::GridVisit => "grid_visit",
            Channel::Phone => "phone",
            Channel::Hotline12345 => "hotline_12345",
            Channel::Online => "online",
        }
    }
}

/// How a responsible organisation resolved a request. "Closed" is never "fixed": only
/// `Fixed` says the problem went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Outcome {
    Fixed,
    Explained,
    NoFurtherAction,
    NotResponsible,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Fixed => "fixed",
            Outcome::Explained => "explained",
            Outcome::NoFurtherAction => "no_further_action",
            Outcome::NotResponsible => "not_responsible",
        }
    }
}

/// The requester's answer to "was it resolved?" on the follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FollowUpResolution {
    Resolved,
    NotResolved,
    /// The requester could not be reached; counts as a follow-up made, without an answer.
    RequesterUnreachable,
}

/// The requester's satisfaction on the follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    NoAnswer,
}

impl Satisfaction {
    /// Whether it counts towards the satisfaction rate ("satisfied" or "basically satisfied").
    pub const fn counts_as_satisfied(self) -> bool {
        matches!(
            self,
            Satisfaction::Satisfied | Satisfaction::BasicallySatisfied
        )
    }
}
