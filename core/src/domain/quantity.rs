//! Quantities with units (16 unit doors, 400 m²) and money in cents.
//!
//! Amounts are whole numbers of their unit; money is integer cents (fen). No floats anywhere
//! in the domain: totals and comparisons stay exact.

use serde::{Deserialize, Serialize};

/// The unit a quantity is counted in. Declaration order is part of the payload format: add
/// new variants at the end only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum QuantityUnit {
    /// A generic count of items.
    Piece,
    SquareMetre,
    Metre,
    /// A building treated as a whole (e.g. its roof waterproofed, its walls painted).
    Building,
    Roof,
    ExteriorWall,
    UnitDoor,
    Camera,
    ParkingSpace,
    BicycleShed,
    BicyclePlace,
    ChargingPoint,
    Lift,
}

impl QuantityUnit {
    pub const fn as_str(self) -> &'static str {
        match self {
            QuantityUnit::Piece => "piece",
            QuantityUnit::SquareMetre => "m2",
            QuantityUnit::Metre => "m",
            QuantityUnit::Building => "building",
            QuantityUnit::Roof => "roof",
            QuantityUnit::ExteriorWall => "exterior_wall",
            QuantityUnit::UnitDoor => "unit_door",
            QuantityUnit::Camera => "camera",
            QuantityUnit::ParkingSpace => "parking_space",
            QuantityUnit::BicycleShed => "bicycle_shed",
            QuantityUnit::BicyclePlace => "bicycle_place",
            QuantityUnit::ChargingPoint => "charging_point",
            QuantityUnit::Lift => "lift",
        }
    }
}

/// An amount of something: `Quantity { amount: 16, unit: UnitDoor }`. Commands must carry a
/// positive amount up to `QUANTITY_AMOUNT_MAX`; events only ever hold validated amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity {
    pub amount: i64,
    pub unit: QuantityUnit,
}

impl Quantity {
    pub const fn new(amount: i64, unit: QuantityUnit) -> Quantity {
        Quantity { amount, unit }
    }
}

/// Where money for a work project comes from (Art. 281 for the maintenance fund).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FundingSource {
    /// The owners' special maintenance fund (专项维修资金): needs an adopted owners' decision.
    MaintenanceFund,
    /// Property-management fees.
    PropertyFees,
    /// A government grant or programme.
    Government,
    /// Donations (including in kind).
    Donation,
    /// Income from common parts (parking, advertising) held for the owners.
    CommonPartsIncome,
}

impl FundingSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            FundingSource::MaintenanceFund => "maintenance_fund",
            FundingSource::PropertyFees => "property_fees",
            FundingSource::Government => "government",
            FundingSource::Donation => "donation",
            FundingSource::CommonPartsIncome => "common_parts_income",
        }
    }
}
