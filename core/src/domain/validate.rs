//! Input checks shared by the aggregates. Each returns the cleaned value (text trimmed) or a
//! typed error; nothing is decided before every input passed.

use std::collections::BTreeSet;

use crate::domain::error::DomainError;
use crate::domain::limits::{MONEY_CENTS_MAX, QUANTITY_AMOUNT_MAX};
use crate::domain::quantity::Quantity;

/// Required text: trimmed, not empty, at most `max_bytes`.
pub fn required_text(
    field: &'static str,
    value: &str,
    max_bytes: usize,
) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::EmptyText { field });
    }
    optional_text(field, trimmed, max_bytes)
}

/// Optional text: trimmed, may be empty, at most `max_bytes`.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max_bytes: usize,
) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.len() > max_bytes {
        return Err(DomainError::TextTooLong {
            field,
            len_bytes: trimmed.len(),
            max_bytes,
        });
    }
    Ok(trimmed.to_string())
}

/// Money that must be positive (a budget, a contract sum, a cost).
pub fn positive_cents(field: &'static str, cents: i64) -> Result<i64, DomainError> {
    if cents <= 0 {
        return Err(DomainError::NotPositive {
            field,
            value: cents,
        });
    }
    if cents > MONEY_CENTS_MAX {
        return Err(DomainError::TooLarge {
            field,
            value: cents,
            max: MONEY_CENTS_MAX,
        });
    }
    Ok(cents)
}

/// A list no longer than `max`.
pub fn at_most(field: &'static str, count: usize, max: usize) -> Result<(), DomainError> {
    if count > max {
        return Err(DomainError::TooMany { field, count, max });
    }
    Ok(())
}

/// Quantities: each positive and within limits, each unit at most once.
pub fn quantities(
    field: &'static str,
    quantities: &[Quantity],
    max_count: usize,
) -> Result<Vec<Quantity>, DomainError> {
    at_most(field, quantities.len(), max_count)?;
    let mut units = BTreeSet::new();
    for quantity in quantities {
        if quantity.amount <= 0 {
            return Err(DomainError::NotPositive {
                field,
                value: quantity.amount,
            });
        }
        if quantity.amount > QUANTITY_AMOUNT_MAX {
            return Err(DomainError::TooLarge {
                field,
                value: quantity.amount,
                max: QUANTITY_AMOUNT_MAX,
            });
        }
        if !units.insert(quantity.unit) {
            return Err(DomainError::InvalidInput {
                field,
                reason: format!("unit {} is listed twice", quantity.unit.as_str()),
            });
        }
    }
    Ok(quantities.to_vec())
}

/// A list without duplicates.
pub fn distinct<T: Ord + Copy>(field: &'static str, items: &[T]) -> Result<Vec<T>, DomainError> {
    let mut seen = BTreeSet::new();
    if items.iter().all(|item| seen.insert(*item)) {
        Ok(items.to_vec())
    } else {
        Err(DomainError::InvalidInput {
            field,
            reason: "lists an entry twice".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::quantity::QuantityUnit;

    fn check(result: Result<String, DomainError>, expect: &str) {
        let got = match result {
            Ok(value) => format!("ok {value:?}"),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn text_and_amounts_are_checked() {
        check(required_text("description", "  leak  ", 8), "ok \"leak\"");
        check(
            required_text("description", " \n\t ", 8),
            "description must not be empty",
        );
        check(
            required_text("description", "123456789", 8),
            "description is 9 bytes; the limit is 8",
        );
        check(optional_text("note", "  ", 8), "ok \"\"");
        check(
            positive_cents("budget_cents", 0).map(|c| c.to_string()),
            "budget_cents must be positive, not 0",
        );
        check(
            positive_cents("budget_cents", -5).map(|c| c.to_string()),
            "budget_cents must be positive, not -5",
        );
        check(
            quantities(
                "planned_quantities",
                &[Quantity::new(-16, QuantityUnit::UnitDoor)],
                4,
            )
            .map(|q| format!("{q:?}")),
            "planned_quantities must be positive, not -16",
        );
        check(
            quantities(
                "planned_quantities",
                &[
                    Quantity::new(1, QuantityUnit::Camera),
                    Quantity::new(2, QuantityUnit::Camera),
                ],
                4,
            )
            .map(|q| format!("{q:?}")),
            "planned_quantities: unit camera is listed twice",
        );
    }
}
