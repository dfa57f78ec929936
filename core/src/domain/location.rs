//! Where something is: compound, building, unit and grid, each optional (a policy enquiry has
//! no place; a leak has a unit).

use serde::{Deserialize, Serialize};

use crate::domain::ids::{BuildingId, CompoundId, GridId, UnitId};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub compound_id: Option<CompoundId>,
    pub building_id: Option<BuildingId>,
    pub unit_id: Option<UnitId>,
    pub grid_id: Option<GridId>,
}

impl Location {
    pub const NOWHERE: Location = Location {
        compound_id: None,
        building_id: None,
        unit_id: None,
        grid_id: None,
    };
}
