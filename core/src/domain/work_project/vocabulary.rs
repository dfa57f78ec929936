//! The words of a work project. Declaration order is part of the payload format.

use serde::{Deserialize, Serialize};

/// What kind of work (the report's list of Sun Coast works, and the usual others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkCategory {
    RoofWaterproofing,
    UnitDoorReplacement,
    CameraReplacement,
    Planting,
    RoadResurfacing,
    CarParkRoad,
    ExteriorWallPainting,
    ParkingLot,
    BicycleShed,
    EBikeCharging,
    Playground,
    PetPark,
    DryingArea,
    LiftInstallation,
    OtherRepair,
}

impl WorkCategory {
    pub const fn as_str(self) -> &'static str {
        match self {
            WorkCategory::RoofWaterproofing => "roof_waterproofing",
            WorkCategory::UnitDoorReplacement => "unit_door_replacement",
            WorkCategory::CameraReplacement => "camera_replacement",
            WorkCategory::Planting => "planting",
            WorkCategory::RoadResurfacing => "road_resurfacing",
            WorkCategory::CarParkRoad => "car_park_road",
            WorkCategory::ExteriorWallPainting => "exterior_wall_painting",
            WorkCategory::ParkingLot => "parking_lot",
            WorkCategory::BicycleShed => "bicycle_shed",
            WorkCategory::EBikeCharging => "e_bike_charging",
            WorkCategory::Playground => "playground",
            WorkCategory::PetPark => "pet_park",
            WorkCategory::DryingArea => "drying_area",
            WorkCategory::LiftInstallation => "lift_installation",
            WorkCategory::OtherRepair => "other_repair",
        }
    }
}
