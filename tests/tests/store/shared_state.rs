//! What nodes share besides the log (ADR 0025), each test with two `PostgresStore`s (two
//! nodes) on one database: the access tokens (a token created on one node authenticates on
//! the other within a second, a revocation is refused there within a second, and a node that
//! loses the database keeps the tokens it last read), the journal under them (append-only,
//! gap-free, refusals append nothing), and the personal-data store (details written on one
//! node read on the other; an erasure on either is in force on both at once).

use std::time::{Duration, Instant};

use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::ids::{PersonId, UnitId};
use govledger_core::domain::role::Role;
use govledger_core::personal_data::{
    PersonDetails, PersonLookup, PersonalDataError, PersonalDataStore,
};
use govledger_core::store::postgres_store::{self, JOURNAL_POLL_INTERVAL, PostgresStore};
use govledger_graphql::access::{AccessError, NewGrant, TokenSecret, TokenStore};
use govledger_tests::postgres::TestDatabase;
use uuid::Uuid;

/// How soon a change on one node must count on the other.
const SEEN_WITHIN: Duration = Duration::from_secs(1);

fn clerk(label: &str) -> NewGrant {
    NewGrant {
        account_id: Uuid::now_v7(),
        role: Role::StationClerk,
        organisation_id: Some(Uuid::now_v7()),
        label: label.into(),
    }
}

/// What `tokens` says of `secret`: `Some(role)` for a live token, `None` for a refused one.
fn seen(tokens: &TokenStore, secret: &TokenSecret) -> Option<Role> {
    tokens
        .authenticate(&TokenSecret::from_client(secret.as_str()))
        .expect("authenticating")
        .map(|grant| grant.role)
}

/// Waits until `tokens` says `expect` of `secret`; returns how long that took, failing past
/// `SEEN_WITHIN`.
fn until_seen(tokens: &TokenStore, secret: &TokenSecret, expect: Option<Role>) -> Duration {
    let started = Instant::now();
    loop {
        if seen(tokens, secret) == expect {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < SEEN_WITHIN,
            "the other node still says {:?} after {:?}, expected {expect:?}",
            seen(tokens, secret),
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_token_created_or_revoked_on_one_node_counts_on_the_other_within_a_second() {
    let Some(database) = TestDatabase::create("tokens_shared_by_two_nodes") else {
        return;
    };
    let empty = tempfile::tempdir().expect("a temp dir");
    let (node_a, node_b) = (database.open(), database.open());
    let tokens_a = TokenStore::open_shared(&node_a, empty.path()).expect("tokens on A");
    let tokens_b = TokenStore::open_shared(&node_b, empty.path()).expect("tokens on B");
    assert!(tokens_b.dir().is_none(), "no token log file on PostgreSQL");

    let (record, secret) = tokens_a.create(clerk("made on A")).expect("create on A");
    assert_eq!(seen(&tokens_a, &secret), Some(Role::StationClerk));
    let created = until_seen(&tokens_b, &secret, Some(Role::StationClerk));
    assert_eq!(tokens_b.list().expect("list on B"), vec![record.clone()]);

    let revoked = tokens_b.revoke(record.token_id).expect("revoke on B");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(
        seen(&tokens_b, &secret),
        None,
        "refused at once where revoked"
    );
    let refused = until_seen(&tokens_a, &secret, None);
    eprintln!("created seen on B after {created:?}; revocation seen on A after {refused:?}");

    // Refusals append nothing, on either node.
    assert!(matches!(
        tokens_a.revoke(record.token_id),
        Err(AccessError::AlreadyRevoked(_))
    ));
    assert!(matches!(
        tokens_b.revoke(Uuid::nil()),
        Err(AccessError::UnknownToken(_))
    ));
    // A third node starting now reads the same history.
    let node_c = database.open();
    let tokens_c = TokenStore::open_shared(&node_c, empty.path()).expect("tokens on C");
    assert_eq!(tokens_c.list().expect("list on C"), vec![revoked]);
    assert_eq!(seen(&tokens_c, &secret), None);
}

#[test]
fn the_first_node_on_an_empty_database_brings_its_token_log_along_and_later_ones_do_not() {
    let Some(database) = TestDatabase::create("tokens_adopted_once") else {
        return;
    };
    let dir_a = tempfile::tempdir().expect("a temp dir");
    let dir_b = tempfile::tempdir().expect("a temp dir");
    let (kept, kept_secret) = TokenStore::open(dir_a.path())
        .expect("A's token log")
        .create(clerk("from A's data directory"))
        .expect("create in A's log");
    let (_, ignored_secret) = TokenStore::open(dir_b.path())
        .expect("B's token log")
        .create(clerk("from B's data directory"))
        .expect("create in B's log");

    let (node_a, node_b) = (database.open(), database.open());
    let tokens_a = TokenStore::open_shared(&node_a, dir_a.path()).expect("tokens on A");
    let tokens_b = TokenStore::open_shared(&node_b, dir_b.path()).expect("tokens on B");
    assert_eq!(seen(&tokens_a, &kept_secret), Some(Role::StationClerk));
    assert_eq!(seen(&tokens_b, &kept_secret), Some(Role::StationClerk));
    assert_eq!(seen(&tokens_b, &ignored_secret), None);
    assert_eq!(tokens_b.list().expect("list"), vec![kept]);
}

#[test]
fn a_node_that_loses_the_database_keeps_the_tokens_it_last_read() {
    let Some(database) = TestDatabase::create("tokens_kept_without_the_database") else {
        return;
    };
    let empty = tempfile::tempdir().expect("a temp dir");
    let node = database.open();
    let tokens = TokenStore::open_shared(&node, empty.path()).expect("tokens");
    let (_, secret) = tokens.create(clerk("before the outage")).expect("create");
    database.drop_now();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen(&tokens, &secret), Some(Role::StationClerk));
    assert!(
        matches!(
            tokens.create(clerk("during the outage")),
            Err(AccessError::Storage(_))
        ),
        "a change needs the database"
    );
}

#[test]
fn a_journal_is_append_only_and_numbered_without_gaps() {
    let Some(database) = TestDatabase::create("journal_append_only") else {
        return;
    };
    let node = database.open();
    let journal = node.journal("notes").expect("the journal");
    assert!(node.journal("Not A Name").is_err(), "names are checked");
    let appended: Result<(), govledger_core::error::StoreError> = journal.append(|entries| {
        Ok((
            vec![format!("first of {}", entries.len()), "second".into()],
            (),
        ))
    });
    appended.expect("appending");
    let refused: Result<(), govledger_core::error::StoreError> = journal.append(|_| {
        Err(govledger_core::error::StoreError::Storage(
            "the caller refuses".into(),
        ))
    });
    assert!(refused.is_err());
    assert_eq!(
        *journal.entries(),
        vec!["first of 0".to_string(), "second".into()]
    );
    let other = database.open().journal("notes").expect("the journal again");
    assert_eq!(other.entries(), journal.entries());
    for tamper in [
        "UPDATE govledger_journal SET entry = 'changed'",
        "DELETE FROM govledger_journal",
    ] {
        let outcome = std::panic::catch_unwind(|| database.execute(tamper));
        assert!(outcome.is_err(), "{tamper} must be refused");
    }
    // An append whose notification is lost (here: made without one) is read by the poll.
    let follower = database.open();
    let following = follower.journal("notes").expect("following");
    database.execute(
        "INSERT INTO govledger_journal (journal, sequence, entry) VALUES ('notes', 3, 'third')",
    );
    let started = Instant::now();
    while following.entries().len() < 3 {
        assert!(
            started.elapsed() < JOURNAL_POLL_INTERVAL * 2,
            "not read within two poll intervals"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(following.entries()[2], "third");
}

fn person(name: &str) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        phone: "138-0000-0000".into(),
        id_number: "110101199003070000".into(),
        unit_id: Some(UnitId(Uuid::from_u128(0x3501))),
    }
}

#[test]
fn personal_data_written_on_one_node_is_read_on_the_other_and_an_erasure_counts_on_both() {
    let Some(database) = TestDatabase::create("personal_data_shared_by_two_nodes") else {
        return;
    };
    let (node_a, node_b) = (database.open(), database.open());
    let (people_a, people_b) = (
        PersonalDataStore::on_postgres(&node_a),
        PersonalDataStore::on_postgres(&node_b),
    );
    let (kept, erased, never) = (PersonId::new_v7(), PersonId::new_v7(), PersonId::new_v7());
    assert!(people_a.is_empty().expect("empty"));
    people_a.put(kept, &person("Li Hua")).expect("put on A");
    people_a
        .put(erased, &person("Wang Fang"))
        .expect("put on A");
    assert_eq!(
        people_b.get(erased).expect("get on B"),
        PersonLookup::Known(person("Wang Fang"))
    );
    people_b
        .erase(erased, ErasureBasis::DataSubjectRequest)
        .expect("erase on B");
    assert_eq!(
        people_a.get(erased).expect("get on A"),
        PersonLookup::Erased(ErasureBasis::DataSubjectRequest),
        "erased on B, gone on A at once"
    );
    assert!(matches!(
        people_a.put(erased, &person("Wang Fang")),
        Err(PersonalDataError::Erased(_))
    ));
    assert!(matches!(
        people_a.put(never, &person(&"x".repeat(200))),
        Err(PersonalDataError::TooLong { .. })
    ));
    assert_eq!(people_b.get(never).expect("get"), PersonLookup::Unknown);
    assert_eq!(people_b.known_count().expect("count"), 1);
    // Erasing again is harmless and keeps the first basis' tombstone shape.
    people_a
        .erase(erased, ErasureBasis::LegalOrder)
        .expect("erase again");
    let mut walked = Vec::new();
    people_b
        .for_each_entry(|id, lookup| {
            walked.push((id, matches!(lookup, PersonLookup::Known(_))));
            Ok::<(), PersonalDataError>(())
        })
        .expect("walk");
    assert_eq!(walked, vec![(kept, true), (erased, false)]);
}

#[test]
fn a_data_directorys_people_are_copied_into_an_empty_database() {
    let Some(database) = TestDatabase::create("personal_data_copied_in") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let (known, erased) = (PersonId::new_v7(), PersonId::new_v7());
    {
        let local = PersonalDataStore::open(dir.path()).expect("the sled store");
        local.put(known, &person("Zhao Lei")).expect("put");
        local.put(erased, &person("Sun Li")).expect("put");
        local
            .erase(erased, ErasureBasis::ConsentWithdrawn)
            .expect("erase");
        let node: PostgresStore = database.open();
        let shared = PersonalDataStore::on_postgres(&node);
        assert_eq!(shared.copy_from(&local).expect("copy"), 2);
        assert_eq!(
            shared.get(known).expect("get"),
            PersonLookup::Known(person("Zhao Lei"))
        );
        assert_eq!(
            shared.get(erased).expect("get"),
            PersonLookup::Erased(ErasureBasis::ConsentWithdrawn)
        );
    }
}

#[test]
fn migrations_apply_by_version_and_a_version_this_build_does_not_know_is_refused() {
    let Some(database) = TestDatabase::create("migrations_by_version") else {
        return;
    };
    let migrated = postgres_store::migrate(&database.options()).expect("migrating");
    assert_eq!(migrated.applied, vec![1, 2, 3]);
    assert_eq!(migrated.schema_version, postgres_store::SCHEMA_VERSION);
    // A database migrated by a build without 0003 gets only that one.
    database.execute(
        "DROP TABLE govledger_journal, govledger_people; \
         DROP FUNCTION govledger_refuse_change; \
         DELETE FROM govledger_migrations WHERE version = 3",
    );
    let migrated = postgres_store::migrate(&database.options()).expect("migrating again");
    assert_eq!(migrated.applied, vec![3]);
    database
        .open()
        .journal("notes")
        .expect("the journal table is back");
    // A version this build does not know (another build's) is refused, not written past.
    database.execute("INSERT INTO govledger_migrations (version, name) VALUES (4, 'elsewhere')");
    let refused = PostgresStore::open(&database.options())
        .err()
        .map(|e| format!("{e:?}"));
    assert!(
        refused
            .as_deref()
            .is_some_and(|error| error.contains("UnsupportedStoreFormat")),
        "{refused:?}"
    );
}
