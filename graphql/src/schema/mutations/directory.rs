//! The directory: the community, its compounds, buildings, units and grids, organisations,
//! accounts and the roles they hold.

use async_graphql::{Context, ID, InputObject, Object};
use govledger_core::domain::command::Command;
use govledger_core::domain::directory::commands::DirectoryCommand;

use crate::schema::commands::{CommandOptions, CommandPayload};
use govledger_core::domain::request::vocabulary::TimeLimit;
use govledger_core::time::{CivilDate, Timestamp};

use crate::schema::mutations::vocabulary::{OrganisationKind, RequestCategory, Role};
use crate::schema::mutations::{BadInput, Built, id, ids, non_negative_at, optional_id, run_typed};
use crate::schema::scalars::{DateTime, Int64};

type Result<T> = async_graphql::Result<T>;

fn to_directory(command: DirectoryCommand) -> Built {
    Ok(Command::Directory(command))
}

#[derive(InputObject)]
pub struct BootstrapDirectoryInput {
    pub community_id: ID,
    pub name: String,
    pub subdistrict: String,
    pub city: String,
    pub founded_year: u16,
    #[graphql(validator(maximum = 2147483647))]
    pub registered_households: u32,
    #[graphql(validator(maximum = 2147483647))]
    pub resident_households: u32,
    #[graphql(validator(maximum = 2147483647))]
    pub residents: u32,
    pub committee_organisation_id: ID,
    pub committee_name: String,
    pub administrator_account_id: ID,
    pub administrator_person_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct SetCommunityTimeZoneInput {
    /// An IANA name, e.g. `Asia/Shanghai`.
    pub time_zone: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct PublishHolidaysInput {
    pub year: i32,
    /// Dates of the year (`2020-10-01`) that are public holidays.
    pub public_holidays: Vec<String>,
    /// Saturdays and Sundays of the year that are worked (adjusted working days, 调休).
    pub working_weekend_days: Vec<String>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// A time limit: exactly one of `hours` and `workingDays`.
#[derive(InputObject)]
pub struct TimeLimitInput {
    pub hours: Option<u32>,
    pub working_days: Option<u32>,
}

#[derive(InputObject)]
pub struct SetCategoryTimeLimitsInput {
    pub category: RequestCategory,
    pub response_limit: TimeLimitInput,
    pub resolution_limit: TimeLimitInput,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// `YYYY-MM-DD` at `path` inside the input.
fn dates_at(path: &str, values: &[String]) -> std::result::Result<Vec<CivilDate>, BadInput> {
    values
        .iter()
        .map(|value| match Timestamp::parse_rfc3339(value) {
            Ok(midnight) if value.len() == 10 => Ok(midnight.civil_date()),
            _ => Err(BadInput::new(
                &[path],
                format!("`{path}` takes dates like 2020-10-01, not {value:?}"),
            )),
        })
        .collect()
}

fn time_limit(path: &str, input: &TimeLimitInput) -> std::result::Result<TimeLimit, BadInput> {
    match (input.hours, input.working_days) {
        (Some(hours), None) => Ok(TimeLimit::Hours(hours)),
        (None, Some(days)) => Ok(TimeLimit::WorkingDays(days)),
        _ => Err(BadInput::new(
            &[path],
            format!("`{path}` takes exactly one of hours and workingDays"),
        )),
    }
}

#[derive(InputObject)]
pub struct RegisterCompoundInput {
    pub compound_id: ID,
    pub name: String,
    #[graphql(validator(maximum = 2147483647))]
    pub registered_households: u32,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RegisterBuildingInput {
    pub building_id: ID,
    pub compound_id: ID,
    pub name: String,
    pub floors: u16,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RegisterUnitInput {
    pub unit_id: ID,
    pub building_id: ID,
    /// The unit's label (building-entrance-room, e.g. `1-1-0101`).
    pub label: String,
    /// Floor area in square decimetres (100 dm² = 1 m²); it weighs owners' votes.
    pub floor_area_dm2: Int64,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RecordUnitOwnersInput {
    pub unit_id: ID,
    /// The owners (person ids); replaces the recorded owners.
    pub owners: Vec<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RegisterGridInput {
    pub grid_id: ID,
    pub parent_grid_id: Option<ID>,
    pub name: String,
    pub compound_ids: Vec<ID>,
    pub building_ids: Vec<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RegisterOrganisationInput {
    pub organisation_id: ID,
    pub kind: OrganisationKind,
    pub name: String,
    pub compound_id: Option<ID>,
    pub grid_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct OpenAccountInput {
    pub account_id: ID,
    /// The person behind the account, when it is a resident's or a named worker's.
    pub person_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct GrantRoleInput {
    pub account_id: ID,
    pub organisation_id: ID,
    pub role: Role,
    pub starts_at: DateTime,
    pub ends_at: Option<DateTime>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct EndRoleInput {
    pub account_id: ID,
    pub organisation_id: ID,
    pub role: Role,
    pub ends_at: DateTime,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct CloseAccountInput {
    pub account_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(Default)]
pub struct DirectoryMutations;

#[Object]
impl DirectoryMutations {
    /// Creates the community, its residents' committee and the first administrator
    /// (`bootstrap_directory`).
    async fn bootstrap_directory(
        &self,
        ctx: &Context<'_>,
        input: BootstrapDirectoryInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::Bootstrap {
                community_id: id("communityId", &input.community_id)?,
                name: input.name,
                subdistrict: input.subdistrict,
                city: input.city,
                founded_year: input.founded_year,
                registered_households: input.registered_households,
                resident_households: input.resident_households,
                residents: input.residents,
                committee_organisation_id: id(
                    "committeeOrganisationId",
                    &input.committee_organisation_id,
                )?,
                committee_name: input.committee_name,
                administrator_account_id: id(
                    "administratorAccountId",
                    &input.administrator_account_id,
                )?,
                administrator_person_id: optional_id(
                    "administratorPersonId",
                    input.administrator_person_id.as_ref(),
                )?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Sets the community's IANA time zone, which its periods and local dates follow from
    /// this event on (`set_community_time_zone`).
    async fn set_community_time_zone(
        &self,
        ctx: &Context<'_>,
        input: SetCommunityTimeZoneInput,
    ) -> Result<CommandPayload> {
        let built = to_directory(DirectoryCommand::SetCommunityTimeZone {
            time_zone: input.time_zone,
        });
        run_typed(ctx, input.options, built).await
    }

    /// Publishes a year's public holidays and adjusted working weekend days, which
    /// working-day time limits follow (`publish_holidays`).
    async fn publish_holidays(
        &self,
        ctx: &Context<'_>,
        input: PublishHolidaysInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::PublishHolidays {
                year: input.year,
                public_holidays: dates_at("publicHolidays", &input.public_holidays)?,
                working_weekend_days: dates_at("workingWeekendDays", &input.working_weekend_days)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Sets a request category's response and resolution limits, in hours or working days,
    /// for dispatches from now on (`set_category_time_limits`).
    async fn set_category_time_limits(
        &self,
        ctx: &Context<'_>,
        input: SetCategoryTimeLimitsInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::SetCategoryTimeLimits {
                category: input.category.into(),
                response_limit: time_limit("responseLimit", &input.response_limit)?,
                resolution_limit: time_limit("resolutionLimit", &input.resolution_limit)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Registers a residential compound (小区) (`register_compound`).
    async fn register_compound(
        &self,
        ctx: &Context<'_>,
        input: RegisterCompoundInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RegisterCompound {
                compound_id: id("compoundId", &input.compound_id)?,
                name: input.name,
                registered_households: input.registered_households,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Registers a building in a compound (`register_building`).
    async fn register_building(
        &self,
        ctx: &Context<'_>,
        input: RegisterBuildingInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RegisterBuilding {
                building_id: id("buildingId", &input.building_id)?,
                compound_id: id("compoundId", &input.compound_id)?,
                name: input.name,
                floors: input.floors,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Registers a unit (flat) in a building (`register_unit`).
    async fn register_unit(
        &self,
        ctx: &Context<'_>,
        input: RegisterUnitInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RegisterUnit {
                unit_id: id("unitId", &input.unit_id)?,
                building_id: id("buildingId", &input.building_id)?,
                label: input.label,
                floor_area_dm2: non_negative_at(&["floorAreaDm2"], input.floor_area_dm2)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records who owns a unit (`record_unit_owners`).
    async fn record_unit_owners(
        &self,
        ctx: &Context<'_>,
        input: RecordUnitOwnersInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RecordUnitOwners {
                unit_id: id("unitId", &input.unit_id)?,
                owners: ids("owners", &input.owners)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Registers a grid (网格) and what it covers (`register_grid`).
    async fn register_grid(
        &self,
        ctx: &Context<'_>,
        input: RegisterGridInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RegisterGrid {
                grid_id: id("gridId", &input.grid_id)?,
                parent_grid_id: optional_id("parentGridId", input.parent_grid_id.as_ref())?,
                name: input.name,
                compound_ids: ids("compoundIds", &input.compound_ids)?,
                building_ids: ids("buildingIds", &input.building_ids)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Registers an organisation (`register_organisation`).
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        input: RegisterOrganisationInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::RegisterOrganisation {
                organisation_id: id("organisationId", &input.organisation_id)?,
                kind: input.kind.into(),
                name: input.name,
                compound_id: optional_id("compoundId", input.compound_id.as_ref())?,
                grid_id: optional_id("gridId", input.grid_id.as_ref())?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Opens an account (`open_account`).
    async fn open_account(
        &self,
        ctx: &Context<'_>,
        input: OpenAccountInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::OpenAccount {
                account_id: id("accountId", &input.account_id)?,
                person_id: optional_id("personId", input.person_id.as_ref())?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Grants an account a role in an organisation (`grant_role`).
    async fn grant_role(&self, ctx: &Context<'_>, input: GrantRoleInput) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::GrantRole {
                account_id: id("accountId", &input.account_id)?,
                organisation_id: id("organisationId", &input.organisation_id)?,
                role: input.role.into(),
                starts_at: input.starts_at.0,
                ends_at: input.ends_at.map(|t| t.0),
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Ends a role an account holds (`end_role`).
    async fn end_role(&self, ctx: &Context<'_>, input: EndRoleInput) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::EndRole {
                account_id: id("accountId", &input.account_id)?,
                organisation_id: id("organisationId", &input.organisation_id)?,
                role: input.role.into(),
                ends_at: input.ends_at.0,
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Closes an account (`close_account`).
    async fn close_account(
        &self,
        ctx: &Context<'_>,
        input: CloseAccountInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_directory(DirectoryCommand::CloseAccount {
                account_id: id("accountId", &input.account_id)?,
            })
        })();
        run_typed(ctx, input.options, built).await
    }
}
