//! The directory: community, compounds, buildings, units (floor area, owners), grids,
//! organisations, accounts and their roles. One stream, `directory`.

pub mod commands;
mod decide;
pub mod events;
mod state;

pub use state::{
    Account, AccountStatus, Building, Community, Compound, Directory, Grid, Organisation,
    OwnerWeight, RoleHolding, Unit,
};
