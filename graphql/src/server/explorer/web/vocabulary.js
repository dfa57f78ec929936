// The API's closed lists of values, by case kind (core's `as_str` names), for filters.

export const KINDS = ["REQUEST", "WORK_PROJECT", "MEDIATION", "DECISION"];

export const STATUSES = {
  REQUEST: ["received", "accepted", "rejected", "merged", "dispatched", "in_progress", "resolved", "followed_up", "closed"],
  WORK_PROJECT: ["proposed", "approved", "contracted", "in_progress", "completed", "under_warranty", "closed", "cancelled"],
  MEDIATION: ["registered", "in_mediation", "declined", "agreed", "failed", "archived"],
  DECISION: ["proposed", "voting", "adopted", "failed", "withdrawn"],
};

export const CATEGORIES = {
  REQUEST: ["repair", "lift", "parking", "e_bike_charging", "dog_keeping", "sanitation", "greening", "security", "neighbour_dispute", "policy_enquiry", "property_service", "other"],
  WORK_PROJECT: ["roof_waterproofing", "unit_door_replacement", "camera_replacement", "planting", "road_resurfacing", "car_park_road", "exterior_wall_painting", "parking_lot", "bicycle_shed", "e_bike_charging", "playground", "pet_park", "drying_area", "lift_installation", "other_repair"],
  MEDIATION: ["neighbour", "noise", "water_leak", "dog_keeping", "parking", "property_service", "renovation", "family", "debt", "other"],
  DECISION: ["rules_of_procedure", "management_statute", "committee_election", "property_manager_engagement", "maintenance_fund_use", "maintenance_fund_raising", "rebuilding", "common_parts_use_change", "other_major_matter", "body_resolution"],
};
