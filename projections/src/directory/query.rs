//! Directory queries: one entity by id, and pages of the lists (compounds, buildings of a
//! compound, units of a building, organisations, roles of an account, members of an
//! organisation).

use uuid::Uuid;

use crate::directory::view::*;
use crate::directory::{account_key, building_key, compound_key, organisation_key, unit_key};
use crate::error::ProjectionError;
use crate::keys::{self, Key};
use crate::page::{Page, PageRequest, page_of_prefix};
use crate::runner::ReadModel;
use crate::runner::read_model::decode_record;

pub fn community(model: &ReadModel) -> Result<Option<CommunityView>, ProjectionError> {
    match model.scan_from(b"y", b"y").next() {
        Some(entry) => decode_record(&entry?.1).map(Some),
        None => Ok(None),
    }
}

pub fn compound(model: &ReadModel, id: Uuid) -> Result<Option<CompoundView>, ProjectionError> {
    model.get_record(&compound_key(&id))
}

pub fn compounds(
    model: &ReadModel,
    page: &PageRequest,
) -> Result<Page<CompoundView>, ProjectionError> {
    page_of_prefix(model, b"k", page, |_, value| decode_record(value).map(Some))
}

pub fn building(model: &ReadModel, id: Uuid) -> Result<Option<BuildingView>, ProjectionError> {
    model.get_record(&building_key(&id))
}

pub fn buildings_of(
    model: &ReadModel,
    compound_id: Uuid,
    page: &PageRequest,
) -> Result<Page<BuildingView>, ProjectionError> {
    let prefix = Key::tag(b'q').uuid(&compound_id).into_bytes();
    page_of_prefix(model, &prefix, page, |key, _| {
        let id = keys::trailing_uuid(key)
            .ok_or_else(|| ProjectionError::Corrupt("building index key".into()))?;
        building(model, id)
    })
}

pub fn unit(model: &ReadModel, id: Uuid) -> Result<Option<UnitView>, ProjectionError> {
    model.get_record(&unit_key(&id))
}

pub fn units_of(
    model: &ReadModel,
    building_id: Uuid,
    page: &PageRequest,
) -> Result<Page<UnitView>, ProjectionError> {
    let prefix = Key::tag(b'v').uuid(&building_id).into_bytes();
    page_of_prefix(model, &prefix, page, |key, _| {
        let id = keys::trailing_uuid(key)
            .ok_or_else(|| ProjectionError::Corrupt("unit index key".into()))?;
        unit(model, id)
    })
}

pub fn grid(model: &ReadModel, id: Uuid) -> Result<Option<GridView>, ProjectionError> {
    model.get_record(&Key::tag(b'g').uuid(&id).into_bytes())
}

pub fn organisation(
    model: &ReadModel,
    id: Uuid,
) -> Result<Option<OrganisationView>, ProjectionError> {
    model.get_record(&organisation_key(&id))
}

pub fn organisations(
    model: &ReadModel,
    page: &PageRequest,
) -> Result<Page<OrganisationView>, ProjectionError> {
    page_of_prefix(model, b"o", page, |_, value| decode_record(value).map(Some))
}

pub fn account(model: &ReadModel, id: Uuid) -> Result<Option<AccountView>, ProjectionError> {
    model.get_record(&account_key(&id))
}

/// The roles an account holds or held, ended ones included (see `ends_at`).
pub fn roles_of_account(
    model: &ReadModel,
    account_id: Uuid,
    page: &PageRequest,
) -> Result<Page<RoleView>, ProjectionError> {
    let prefix = Key::tag(b'r').uuid(&account_id).into_bytes();
    page_of_prefix(model, &prefix, page, |_, value| {
        decode_record(value).map(Some)
    })
}

/// The accounts holding (or having held) a role in an organisation.
pub fn members_of(
    model: &ReadModel,
    organisation_id: Uuid,
    page: &PageRequest,
) -> Result<Page<RoleView>, ProjectionError> {
    let prefix = Key::tag(b'm').uuid(&organisation_id).into_bytes();
    page_of_prefix(model, &prefix, page, |key, _| {
        let rest = &key[prefix.len()..];
        let account = rest
            .get(..16)
            .and_then(|bytes| Uuid::from_slice(bytes).ok())
            .ok_or_else(|| ProjectionError::Corrupt("member index key".into()))?;
        let role = rest.get(16..).unwrap_or_default();
        let role_key = Key::tag(b'r')
            .uuid(&account)
            .uuid(&organisation_id)
            .raw(role)
            .into_bytes();
        model.get_record(&role_key)
    })
}
