//! The event ids of the most recently applied events, so that staging can finish a
//! duplicate check the caller started.
//!
//! A caller looks its event ids up in the tree before queueing (on its own thread, in parallel
//! with the committer) and notes how far the tree was applied when it started looking. The
//! committer then only has to check the ids applied after that point, which this set holds
//! while they are recent; if they are no longer all here, it looks in the tree itself.

use std::collections::{HashSet, VecDeque};

use uuid::Uuid;

/// Most event ids kept; older ones are forgotten in position order.
pub(super) const RECENT_EVENT_IDS_MAX: usize = 65_536;

pub(super) struct RecentEventIds {
    ids: HashSet<Uuid>,
    /// The same ids with their positions, oldest first.
    order: VecDeque<(u64, Uuid)>,
    /// Every id applied at a position above this one is in `ids`.
    complete_after: u64,
    capacity: usize,
}

impl RecentEventIds {
    /// Empty, complete after `head` (nothing was applied since the store opened).
    pub(super) fn after(head: u64, capacity: usize) -> RecentEventIds {
        RecentEventIds {
            ids: HashSet::with_capacity(capacity.min(4_096)),
            order: VecDeque::with_capacity(capacity.min(4_096)),
            complete_after: head,
            capacity,
        }
    }

    /// Records an applied event; positions must come in increasing order.
    pub(super) fn applied(&mut self, position: u64, event_id: Uuid) {
        debug_assert!(self.order.back().is_none_or(|(last, _)| *last < position));
        if self.capacity == 0 {
            self.complete_after = position;
            return;
        }
        if self.order.len() == self.capacity
            && let Some((oldest, id)) = self.order.pop_front()
        {
            self.ids.remove(&id);
            self.complete_after = oldest;
        }
        self.order.push_back((position, event_id));
        self.ids.insert(event_id);
    }

    /// For an id the tree did not hold when it was applied through `checked_through`: whether
    /// it was applied since (every id here is stored), or `None` if some ids applied since
    /// were already forgotten (look in the tree instead).
    pub(super) fn applied_after(&self, checked_through: u64, event_id: &Uuid) -> Option<bool> {
        (checked_through >= self.complete_after).then(|| self.ids.contains(event_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies `applied` (positions from `head + 1`) with room for `capacity`, then asks about
    /// each `(checked_through, id)` of `asked`.
    fn check(
        head: u64,
        capacity: usize,
        applied: &[u128],
        asked: &[(u64, u128)],
        expect: &[Option<bool>],
    ) {
        let mut recent = RecentEventIds::after(head, capacity);
        for (offset, id) in applied.iter().enumerate() {
            recent.applied(head + 1 + offset as u64, Uuid::from_u128(*id));
        }
        let answers: Vec<_> = asked
            .iter()
            .map(|(through, id)| recent.applied_after(*through, &Uuid::from_u128(*id)))
            .collect();
        assert_eq!(answers, expect);
    }

    #[test]
    fn answers_while_complete_and_refers_to_the_tree_after_forgetting() {
        // Nothing applied: complete after the head, unknown before it.
        check(10, 4, &[], &[(10, 1), (9, 1)], &[Some(false), None]);
        // Applied ids are found; others are not.
        check(
            0,
            4,
            &[7, 8],
            &[(0, 7), (1, 8), (0, 9)],
            &[Some(true), Some(true), Some(false)],
        );
        // Capacity 2 after three: position 1 (id 7) is forgotten, so a check through 0 must
        // go to the tree; a check through 1 or later is still answered here.
        check(
            0,
            2,
            &[7, 8, 9],
            &[(0, 9), (1, 7), (1, 9), (2, 8)],
            &[None, Some(false), Some(true), Some(true)],
        );
        // No room at all: only checks through the latest position are answered.
        check(0, 0, &[7, 8], &[(1, 8), (2, 8)], &[None, Some(false)]);
    }
}
