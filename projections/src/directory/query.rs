//! Directory queries: one entity by id, and pages of the lists (compounds, buildings of a
//! compound, units of a building, organisations, roles of an account, members of an
//! organisation).

use uuid::Uuid;

use crate::directory::view::*;
use crate::directory::{
    ACCOUNTS, BUILDINGS, BUILDINGS_OF_COMPOUND, COMMUNITIES, COMPOUNDS, GRIDS, MEMBERS,
    ORGANISATIONS, ROLES, UNITS, UNITS_OF_BUILDING,
};
use crate::error::ProjectionError;
use crate::page::{Page, PageRequest};
use crate::runner::ReadModel;

pub fn community(model: &ReadModel) -> Result<Option<CommunityView>, ProjectionError> {
    COMMUNITIES.first(model)
}

pub fn compound(model: &ReadModel, id: Uuid) -> Result<Option<CompoundView>, ProjectionError> {
    COMPOUNDS.read(model, &id)
}

pub fn compounds(
    model: &ReadModel,
    page: &PageRequest,
) -> Result<Page<CompoundView>, ProjectionError> {
    COMPOUNDS.page(model, page)
}

pub fn building(model: &ReadModel, id: Uuid) -> Result<Option<BuildingView>, ProjectionError> {
    BUILDINGS.read(model, &id)
}

pub fn buildings_of(
    model: &ReadModel,
    compound_id: Uuid,
    page: &PageRequest,
) -> Result<Page<BuildingView>, ProjectionError> {
    BUILDINGS_OF_COMPOUND.page(model, &compound_id, page, |id| building(model, id))
}

pub fn unit(model: &ReadModel, id: Uuid) -> Result<Option<UnitView>, ProjectionError> {
    UNITS.read(model, &id)
}

pub fn units_of(
    model: &ReadModel,
    building_id: Uuid,
    page: &PageRequest,
) -> Result<Page<UnitView>, ProjectionError> {
    UNITS_OF_BUILDING.page(model, &building_id, page, |id| unit(model, id))
}

pub fn grid(model: &ReadModel, id: Uuid) -> Result<Option<GridView>, ProjectionError> {
    GRIDS.read(model, &id)
}

pub fn organisation(
    model: &ReadModel,
    id: Uuid,
) -> Result<Option<OrganisationView>, ProjectionError> {
    ORGANISATIONS.read(model, &id)
}

pub fn organisations(
    model: &ReadModel,
    page: &PageRequest,
) -> Result<Page<OrganisationView>, ProjectionError> {
    ORGANISATIONS.page(model, page)
}

pub fn account(model: &ReadModel, id: Uuid) -> Result<Option<AccountView>, ProjectionError> {
    ACCOUNTS.read(model, &id)
}

/// The roles an account holds or held, ended ones included (see `ends_at`).
pub fn roles_of_account(
    model: &ReadModel,
    account_id: Uuid,
    page: &PageRequest,
) -> Result<Page<RoleView>, ProjectionError> {
    ROLES.page_under(model, &account_id, page)
}

/// The accounts holding (or having held) a role in an organisation.
pub fn members_of(
    model: &ReadModel,
    organisation_id: Uuid,
    page: &PageRequest,
) -> Result<Page<RoleView>, ProjectionError> {
    MEMBERS.page(model, &organisation_id, page, |(account, role)| {
        ROLES.read(model, &(account, organisation_id, role))
    })
}
