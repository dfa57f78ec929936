//! Scopes and months: what a metric is about, and the calendar month it is counted in.

use uuid::Uuid;

use crate::storage::keys::Key;

/// What a set of metrics is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MetricsScope {
    /// The whole community.
    All,
    /// The responsible organisation (dispatched to, contractor, mediation committee, body).
    Organisation(Uuid),
    Compound(Uuid),
    /// A request category, work category, dispute type or decision matter (`snake_case`).
    Category(String),
}

impl MetricsScope {
    pub(crate) fn key(&self, tag: u8) -> Key {
        let key = Key::tag(tag);
        match self {
            MetricsScope::All => key.byte(b'a'),
            MetricsScope::Organisation(id) => key.byte(b'o').uuid(id),
            MetricsScope::Compound(id) => key.byte(b'p').uuid(id),
            MetricsScope::Category(name) => key.byte(b'c').text(name),
        }
    }
}

/// A calendar month, in the community's local calendar (`calendar.rs` says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1..=12.
    pub month: u8,
}

impl Month {
    pub(crate) fn append_to(self, key: Key) -> Key {
        // Years 1900..2200 (the ledger's plausible range) fit in a u16.
        key.u64(u64::from(u16::try_from(self.year).unwrap_or(0)))
            .byte(self.month)
    }
}

/// A reporting period: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Month { year: i32, month: u8 },
    Quarter { year: i32, quarter: u8 },
    Year { year: i32 },
}

impl Period {
    /// The months the period covers, or `None` for an impossible month or quarter.
    pub fn months(self) -> Option<Vec<Month>> {
        let (year, first, count) = match self {
            Period::Month { year, month } if (1..=12).contains(&month) => (year, month, 1),
            Period::Quarter { year, quarter } if (1..=4).contains(&quarter) => {
                (year, (quarter - 1) * 3 + 1, 3)
            }
            Period::Year { year } => (year, 1, 12),
            _ => return None,
        };
        Some(
            (first..first + count)
                .map(|month| Month { year, month })
                .collect(),
        )
    }

    /// `2020-05`, `2020-Q2` or `2020`.
    pub fn label(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => format!("{year:04}-Q{quarter}"),
            Period::Year { year } => format!("{year:04}"),
        }
    }
}
