//! Limits on what a command may carry, named with their unit. Checked before anything is
//! decided, so an over-limit command appends nothing.

/// Longest free-text description or record (a session record, a resolution note).
pub const DESCRIPTION_BYTES_MAX: usize = 4 * 1024;
/// Longest short text: a title, a reason, a name of a place or an organisation, a reference.
pub const TITLE_BYTES_MAX: usize = 256;
/// Most quantities one work project lists.
pub const QUANTITIES_PER_PROJECT_MAX: usize = 32;
/// Most requests one work project or decision links to.
pub const LINKED_REQUESTS_MAX: usize = 256;
/// Most buildings or units one work project names.
pub const LOCATIONS_PER_PROJECT_MAX: usize = 1_024;
/// Most parties in one mediation case.
pub const MEDIATION_PARTIES_MAX: usize = 32;
/// Most authorisations one decision grants.
pub const AUTHORISATIONS_PER_DECISION_MAX: usize = 16;
/// Most units one ballot covers (an owner's units in the decision's scope).
pub const UNITS_PER_BALLOT_MAX: usize = 64;
/// Most owners one unit records.
pub const OWNERS_PER_UNIT_MAX: usize = 16;
/// Most fields one correction restates.
pub const CORRECTED_FIELDS_MAX: usize = 16;
/// Largest amount of money in one field: 10 billion yuan, in cents.
pub const MONEY_CENTS_MAX: i64 = 1_000_000_000_000;
/// Largest quantity in one line (units of the quantity's own unit).
pub const QUANTITY_AMOUNT_MAX: i64 = 10_000_000;
/// Largest floor area of one unit: 10,000 m², in dm² (1 m² = 100 dm²).
pub const UNIT_FLOOR_AREA_DM2_MAX: u64 = 1_000_000;
/// Longest time a request may be given to be resolved after dispatch.
pub const RESOLUTION_DAYS_MAX: i64 = 366;
/// Public holidays and adjusted working days one year's publication may list (China
/// publishes about 35).
pub const HOLIDAY_DATES_PER_YEAR_MAX: usize = 80;
/// Longest warranty a work project may be given.
pub const WARRANTY_MONTHS_MAX: u16 = 120;
/// Days after an agreement within which the parties may seek court confirmation (Art. 33).
pub const COURT_CONFIRMATION_DAYS: i64 = 30;
/// Days within which a mediation should be finished ("about a month").
pub const MEDIATION_TARGET_DAYS: i64 = 30;
