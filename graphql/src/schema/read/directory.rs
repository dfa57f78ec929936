//! The directory as GraphQL nodes: the community, compounds, buildings, units, grids,
//! organisations, accounts and the roles accounts hold. Places and organisations carry public
//! names; in the public view a unit's label (its number) and owners, and an account's person,
//! are `null`.

use async_graphql::{Context, ID, Object};
use govledger_projections::directory::view::{
    AccountView, BuildingView, CommunityView, CompoundView, GridView, OrganisationView, RoleView,
    UnitView,
};
use govledger_projections::read_api::ReadApi;
use uuid::Uuid;

use crate::access::ReadScope;
use crate::error::{ErrorCode, api_error};
use crate::schema::connection::{read_connection, read_page};
use crate::schema::context::principal;
use crate::schema::node::GlobalId;
use crate::schema::page::charged_page_size;
use crate::schema::read::{blocking, read_models};
use crate::schema::scalars::{DateTime, Int64};

pub(crate) const COMMUNITY_TYPE: &str = "Community";
pub(crate) const COMPOUND_TYPE: &str = "Compound";
pub(crate) const BUILDING_TYPE: &str = "Building";
pub(crate) const UNIT_TYPE: &str = "Unit";
pub(crate) const GRID_TYPE: &str = "Grid";
pub(crate) const ORGANISATION_TYPE: &str = "Organisation";
pub(crate) const ACCOUNT_TYPE: &str = "Account";

fn id(id: Uuid) -> ID {
    ID(id.to_string())
}

fn global(type_name: &str, key: Uuid) -> ID {
    GlobalId::encode(type_name, &key.to_string())
}

read_connection!(
    /// A page of compounds.
    CompoundConnection,
    CompoundEdge,
    Compound,
    "compound"
);
read_connection!(
    /// A page of the buildings of a compound.
    BuildingConnection,
    BuildingEdge,
    Building,
    "building"
);
read_connection!(
    /// A page of the units of a building.
    UnitConnection,
    UnitEdge,
    Unit,
    "unit"
);
read_connection!(
    /// A page of organisations.
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    "organisation"
);
read_connection!(
    /// A page of role assignments (of an account, or the members of an organisation).
    RoleAssignmentConnection,
    RoleAssignmentEdge,
    RoleAssignment,
    "role"
);

/// Any directory node by its global id's type and key; `Ok(None)` when the type is not a
/// directory type.
pub(crate) async fn directory_node(
    ctx: &Context<'_>,
    global: &GlobalId,
) -> async_graphql::Result<Option<Option<DirectoryNode>>> {
    let type_name = global.type_name.as_str();
    let kinds = [
        COMMUNITY_TYPE,
        COMPOUND_TYPE,
        BUILDING_TYPE,
        UNIT_TYPE,
        GRID_TYPE,
        ORGANISATION_TYPE,
        ACCOUNT_TYPE,
    ];
    if !kinds.contains(&type_name) {
        return Ok(None);
    }
    let key = Uuid::parse_str(&global.key).map_err(|_| {
        api_error(
            ErrorCode::BadUserInput,
            format!("not a valid {type_name} id"),
        )
    })?;
    let read = read_models(ctx, None).await?;
    let type_name = type_name.to_string();
    let node = blocking(read, move |read: &ReadApi| {
        Ok(match type_name.as_str() {
            COMMUNITY_TYPE => read
                .community()?
                .filter(|c| c.community_id == key)
                .map(|c| DirectoryNode::Community(Community(c))),
            COMPOUND_TYPE => read
                .compound(key)?
                .map(|c| DirectoryNode::Compound(Compound(c))),
            BUILDING_TYPE => read
                .building(key)?
                .map(|b| DirectoryNode::Building(Building(b))),
            UNIT_TYPE => read.unit(key)?.map(|u| DirectoryNode::Unit(Unit(u))),
            GRID_TYPE => read.grid(key)?.map(|g| DirectoryNode::Grid(Grid(g))),
            ORGANISATION_TYPE => read
                .organisation(key)?
                .map(|o| DirectoryNode::Organisation(Organisation(o))),
            _ => read
                .account(key)?
                .map(|a| DirectoryNode::Account(Account(a))),
        })
    })
    .await?;
    Ok(Some(node))
}

/// A directory node found by `node(id:)`.
pub(crate) enum DirectoryNode {
    Community(Community),
    Compound(Compound),
    Building(Building),
    Unit(Unit),
    Grid(Grid),
    Organisation(Organisation),
    Account(Account),
}

#[derive(Clone)]
pub struct Community(pub CommunityView);

/// The neighbourhood (社区) the ledger serves.
#[Object]
impl Community {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(COMMUNITY_TYPE, self.0.community_id)
    }

    async fn community_id(&self) -> ID {
        id(self.0.community_id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn subdistrict(&self) -> &str {
        &self.0.subdistrict
    }

    async fn city(&self) -> &str {
        &self.0.city
    }

    async fn founded_year(&self) -> u16 {
        self.0.founded_year
    }

    async fn registered_households(&self) -> u32 {
        self.0.registered_households
    }

    async fn resident_households(&self) -> u32 {
        self.0.resident_households
    }

    async fn residents(&self) -> u32 {
        self.0.residents
    }

    /// The IANA time zone its periods and local dates are counted in (`UTC` until set).
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
}

#[derive(Clone)]
pub struct Compound(pub CompoundView);

/// A residential compound (小区).
#[Object]
impl Compound {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(COMPOUND_TYPE, self.0.compound_id)
    }

    async fn compound_id(&self) -> ID {
        id(self.0.compound_id)
    }

    async fn community_id(&self) -> ID {
        id(self.0.community_id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn registered_households(&self) -> u32 {
        self.0.registered_households
    }

    async fn building_count(&self) -> u32 {
        self.0.building_count
    }

    async fn unit_count(&self) -> u32 {
        self.0.unit_count
    }

    /// Its buildings, in id order.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn buildings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<BuildingConnection> {
        let page = read_page(BuildingConnection::CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, None).await?;
        let compound_id = self.0.compound_id;
        let found = blocking(read, move |read| read.buildings_of(compound_id, &page)).await?;
        Ok(BuildingConnection::of(found, Building))
    }
}

#[derive(Clone)]
pub struct Building(pub BuildingView);

/// A building of a compound.
#[Object]
impl Building {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(BUILDING_TYPE, self.0.building_id)
    }

    async fn building_id(&self) -> ID {
        id(self.0.building_id)
    }

    async fn compound_id(&self) -> ID {
        id(self.0.compound_id)
    }

    async fn compound(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Compound>> {
        let read = read_models(ctx, None).await?;
        let compound_id = self.0.compound_id;
        Ok(blocking(read, move |read| read.compound(compound_id))
            .await?
            .map(Compound))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn floors(&self) -> u16 {
        self.0.floors
    }

    async fn unit_count(&self) -> u32 {
        self.0.unit_count
    }

    /// Its units, in id order.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn units(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<UnitConnection> {
        let page = read_page(UnitConnection::CURSOR_KIND, first, after, last, before)?;
        let read = read_models(ctx, None).await?;
        let building_id = self.0.building_id;
        let found = blocking(read, move |read| read.units_of(building_id, &page)).await?;
        Ok(UnitConnection::of(found, Unit))
    }
}

#[derive(Clone)]
pub struct Unit(pub UnitView);

/// A home in a building.
#[Object]
impl Unit {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(UNIT_TYPE, self.0.unit_id)
    }

    async fn unit_id(&self) -> ID {
        id(self.0.unit_id)
    }

    async fn building_id(&self) -> ID {
        id(self.0.building_id)
    }

    async fn compound_id(&self) -> ID {
        id(self.0.compound_id)
    }

    /// The unit number, e.g. `3-501`; `null` in the public view (personal data).
    async fn label(&self, ctx: &Context<'_>) -> Option<&str> {
        match principal(ctx).read_scope() {
            ReadScope::Full => Some(&self.0.label),
            ReadScope::Public => None,
        }
    }

    async fn floor_area_dm2(&self) -> Int64 {
        self.0.floor_area_dm2.into()
    }

    /// The owners (person ids; their details live in the personal-data store); `null` in the
    /// public view.
    async fn owner_ids(&self, ctx: &Context<'_>) -> Option<Vec<ID>> {
        match principal(ctx).read_scope() {
            ReadScope::Full => Some(self.0.owner_ids.iter().copied().map(id).collect()),
            ReadScope::Public => None,
        }
    }
}

#[derive(Clone)]
pub struct Grid(pub GridView);

/// A grid (网格): the area one grid worker looks after.
#[Object]
impl Grid {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(GRID_TYPE, self.0.grid_id)
    }

    async fn grid_id(&self) -> ID {
        id(self.0.grid_id)
    }

    async fn community_id(&self) -> ID {
        id(self.0.community_id)
    }

    async fn parent_grid_id(&self) -> Option<ID> {
        self.0.parent_grid_id.map(id)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn compound_ids(&self) -> Vec<ID> {
        self.0.compound_ids.iter().copied().map(id).collect()
    }

    async fn building_ids(&self) -> Vec<ID> {
        self.0.building_ids.iter().copied().map(id).collect()
    }
}

#[derive(Clone)]
pub struct Organisation(pub OrganisationView);

/// A committee, company, station or office that acts in the ledger.
#[Object]
impl Organisation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(ORGANISATION_TYPE, self.0.organisation_id)
    }

    async fn organisation_id(&self) -> ID {
        id(self.0.organisation_id)
    }

    /// `snake_case` kind, e.g. `owners_committee`, `property_company`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn community_id(&self) -> ID {
        id(self.0.community_id)
    }

    async fn compound_id(&self) -> Option<ID> {
        self.0.compound_id.map(id)
    }

    async fn grid_id(&self) -> Option<ID> {
        self.0.grid_id.map(id)
    }

    /// Who holds (or held) which role in it.
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RoleAssignmentConnection> {
        members(
            ctx,
            self.0.organisation_id,
            first,
            after,
            last,
            before,
            None,
        )
        .await
    }
}

/// The members of an organisation, a page at a time.
pub(crate) async fn members(
    ctx: &Context<'_>,
    organisation_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    consistency: Option<Int64>,
) -> async_graphql::Result<RoleAssignmentConnection> {
    let page = read_page(
        RoleAssignmentConnection::CURSOR_KIND,
        first,
        after,
        last,
        before,
    )?;
    let read = read_models(ctx, consistency).await?;
    let found = blocking(read, move |read| read.members_of(organisation_id, &page)).await?;
    Ok(RoleAssignmentConnection::of(found, RoleAssignment))
}

#[derive(Clone)]
pub struct Account(pub AccountView);

/// An account: one person's (or a system's) login; people's details live outside the ledger.
#[Object]
impl Account {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global(ACCOUNT_TYPE, self.0.account_id)
    }

    async fn account_id(&self) -> ID {
        id(self.0.account_id)
    }

    /// The person behind the account; `null` in the public view.
    async fn person_id(&self, ctx: &Context<'_>) -> Option<ID> {
        match principal(ctx).read_scope() {
            ReadScope::Full => self.0.person_id.map(id),
            ReadScope::Public => None,
        }
    }

    async fn opened_at(&self) -> DateTime {
        DateTime(self.0.opened_at)
    }

    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(DateTime)
    }

    /// The roles it holds or held, ended ones included (see `endsAt`).
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<RoleAssignmentConnection> {
        let page = read_page(
            RoleAssignmentConnection::CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let read = read_models(ctx, None).await?;
        let account_id = self.0.account_id;
        let found = blocking(read, move |read| read.roles_of_account(account_id, &page)).await?;
        Ok(RoleAssignmentConnection::of(found, RoleAssignment))
    }
}

#[derive(Clone)]
pub struct RoleAssignment(pub RoleView);

/// One account holding one role in one organisation for a time.
#[Object]
impl RoleAssignment {
    async fn account_id(&self) -> ID {
        id(self.0.account_id)
    }

    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Account>> {
        let read = read_models(ctx, None).await?;
        let account_id = self.0.account_id;
        Ok(blocking(read, move |read| read.account(account_id))
            .await?
            .map(Account))
    }

    async fn organisation_id(&self) -> ID {
        id(self.0.organisation_id)
    }

    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let read = read_models(ctx, None).await?;
        let organisation_id = self.0.organisation_id;
        Ok(
            blocking(read, move |read| read.organisation(organisation_id))
                .await?
                .map(Organisation),
        )
    }

    /// `snake_case` role, e.g. `inspector`, `station_clerk`.
    async fn role(&self) -> &str {
        &self.0.role
    }

    async fn starts_at(&self) -> DateTime {
        DateTime(self.0.starts_at)
    }

    async fn ends_at(&self) -> Option<DateTime> {
        self.0.ends_at.map(DateTime)
    }
}
