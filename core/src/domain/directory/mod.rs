//! The directory: community, compounds, buildings, units (floor area, owners), grids,
//! organisations, accounts and their roles. One stream, `directory`.

pub mod events;
