//! Scopes and months: what a metric is about, and the calendar month it is counted in.

use uuid::Uuid;

use crate::storage::key_part::KeyPart;
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

/// A scope in a key: what it is about, then which one.
impl KeyPart for MetricsScope {
    fn write(&self, key: Key) -> Key {
        match self {
            MetricsScope::All => b'a'.write(key),
            MetricsScope::Organisation(id) => (b'o', *id).write(key),
            MetricsScope::Compound(id) => (b'p', *id).write(key),
            MetricsScope::Category(name) => (b'c', name.clone()).write(key),
        }
    }

    fn read(bytes: &mut &[u8]) -> Option<MetricsScope> {
        match u8::read(bytes)? {
            b'a' => Some(MetricsScope::All),
            b'o' => Some(MetricsScope::Organisation(Uuid::read(bytes)?)),
            b'p' => Some(MetricsScope::Compound(Uuid::read(bytes)?)),
            b'c' => Some(MetricsScope::Category(String::read(bytes)?)),
            _ => None,
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

/// A month in a key: the year (years 1900..2200, the ledger's plausible range, fit a u16),
/// then the month.
impl KeyPart for Month {
    fn write(&self, key: Key) -> Key {
        let year = u64::from(u16::try_from(self.year).unwrap_or(0));
        (year, self.month).write(key)
    }

    fn read(bytes: &mut &[u8]) -> Option<Month> {
        let (year, month) = <(u64, u8)>::read(bytes)?;
        Some(Month {
            year: i32::try_from(year).ok()?,
            month,
        })
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
