//! Fictional personal names for demo residents and staff, composed from common syllables so
//! that no real person is described. They go to the personal-data store only, never into
//! events.

use crate::domain::seeded_rng::SeededRng;

const SURNAMES: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
    "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie",
];
const GIVEN_FIRST: &[&str] = &[
    "Ming", "Hai", "Xiao", "Jian", "Li", "Wen", "Yu", "Hong", "Jun", "Lan", "Qing", "Xue", "Chun",
    "Dong", "Feng", "Hui", "Jing", "Lei", "Mei", "Ning",
];
const GIVEN_SECOND: &[&str] = &[
    "hua", "yan", "bo", "tao", "fang", "ping", "qiang", "rui", "shan", "ting", "wei", "xin", "yi",
    "zhen", "lin", "an", "kai", "le", "na", "yun",
];

pub(super) fn fictional_name(rng: &mut SeededRng) -> String {
    format!(
        "{} {}{}",
        rng.pick(SURNAMES),
        rng.pick(GIVEN_FIRST),
        rng.pick(GIVEN_SECOND)
    )
}

/// A phone number in the 170 range (reserved for virtual operators), never a real one here.
pub(super) fn fictional_phone(rng: &mut SeededRng) -> String {
    format!("170-{:04}-{:04}", rng.below(10_000), rng.below(10_000))
}

/// An 18-character ID-number shape with a region code that does not exist (999999).
pub(super) fn fictional_id_number(rng: &mut SeededRng) -> String {
    format!(
        "999999{:04}{:02}{:02}{:04}",
        rng.between(1940, 2000),
        rng.between(1, 12),
        rng.between(1, 28),
        rng.below(10_000)
    )
}
