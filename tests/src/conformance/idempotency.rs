//! Idempotency keys: a retry with the same content returns the original outcome and appends
//! nothing; the same key with different content is a conflict; a failed append leaves its key
//! unused.

use govledger_core::hash::Hash256;
use govledger_core::store::{AppendRequest, ExpectedVersion, Idempotency};

use super::StoreFactory;
use super::fixtures::{describe, event, event_of_type, keyed, request};

pub(super) fn idempotent_retry_returns_the_original_outcome(factory: &dyn StoreFactory) {
    use ExpectedVersion::{Any, Exact, NoStream};
    let store = factory.fresh();
    let check = |request: AppendRequest, expect: &str, head_after: u64| {
        let result = store.append(request);
        assert_eq!(describe(&result), expect);
        assert_eq!(store.head().position, head_after, "after {expect}");
    };
    let original = || keyed(request("s", NoStream, vec![event("a"), event("b")]), "k1");
    check(original(), "appended 1..2 v2", 2);
    // Fresh event ids, same content: a retried command.
    check(original(), "appended 1..2 v2 replayed", 2);
    check(original(), "appended 1..2 v2 replayed", 2);
    check(
        keyed(request("s", NoStream, vec![event("a"), event("c")]), "k1"),
        "IdempotencyConflict",
        2,
    );
    check(
        keyed(request("t", NoStream, vec![event("a"), event("b")]), "k1"),
        "IdempotencyConflict",
        2,
    );
    check(
        keyed(
            request(
                "s",
                NoStream,
                vec![event_of_type("RequestAccepted", "a"), event("b")],
            ),
            "k1",
        ),
        "IdempotencyConflict",
        2,
    );
    check(
        keyed(request("s", Any, vec![event("a"), event("b")]), "k1"),
        "IdempotencyConflict",
        2,
    );
    // A failed append does not consume its key.
    check(
        keyed(request("s", NoStream, vec![event("d")]), "k2"),
        "WrongExpectedVersion(actual 2)",
        2,
    );
    check(
        keyed(request("s", Exact(2), vec![event("d")]), "k2"),
        "appended 3..3 v3",
        3,
    );
    // Unkeyed appends are never deduplicated.
    check(request("s", Any, vec![event("e")]), "appended 4..4 v4", 4);
    check(request("s", Any, vec![event("e")]), "appended 5..5 v5", 5);
    // A caller-supplied fingerprint decides what "the same content" means.
    let fingerprinted = |payload: &str, fingerprint: u8| {
        let mut request = request("u", Any, vec![event(payload)]);
        request.idempotency = Some(Idempotency {
            key: govledger_core::event::IdempotencyKey::new("k3").expect("valid key"),
            fingerprint: Some(Hash256([fingerprint; 32])),
        });
        request
    };
    check(fingerprinted("f", 1), "appended 6..6 v1", 6);
    check(fingerprinted("other", 1), "appended 6..6 v1 replayed", 6);
    check(fingerprinted("f", 2), "IdempotencyConflict", 6);

    let key = govledger_core::event::IdempotencyKey::new("k1").expect("valid key");
    let (_, stored) = store
        .find_idempotent(&key)
        .expect("looking up k1")
        .expect("k1 is stored");
    assert_eq!(
        (
            stored.first_position,
            stored.last_position,
            stored.stream_version
        ),
        (1, 2, 2)
    );
    let unused = govledger_core::event::IdempotencyKey::new("never-used").expect("valid key");
    assert_eq!(store.find_idempotent(&unused).ok(), Some(None));

    // The same key twice before either is answered: one append, one replay.
    let first = store.submit(keyed(request("v", NoStream, vec![event("g")]), "k4"));
    let second = store.submit(keyed(request("v", NoStream, vec![event("g")]), "k4"));
    assert_eq!(describe(&first.wait()), "appended 7..7 v1");
    assert_eq!(describe(&second.wait()), "appended 7..7 v1 replayed");
    assert_eq!(store.head().position, 7);
}
