//! Tidy: the architecture invariants of ARCHITECTURE.md, checked on the workspace's own
//! sources and manifests (in the style of rust-analyzer's `xtask/src/tidy.rs`). Each rule is
//! a row of `RULES` (or a layer of `LAYERS`); `check` reports every file that breaks it,
//! naming the file and the rule. Prose never counts: comments and literals are blanked first.
//!
//! Source rules look at production code (`<crate>/src/`); tests and benchmarks may open a
//! store directly to check what is on disk.
//!
//! - `tidy/source.rs`: code without comments and literals; where it names a crate.
//! - `tidy/workspace.rs`: the sources and the members' dependencies (`cargo metadata`).
//! - `tidy/check.rs`: `Rule` and `check`.

mod tidy {
    pub(crate) mod check;
    pub(crate) mod source;
    pub(crate) mod workspace;
}

use tidy::check::{Forbidden, Rule, Scope, check};
use tidy::source::{code_only, lines_using};
use tidy::workspace::{Dependency, Package, Source, Workspace};

/// The workspace's crates from the bottom layer up: each may depend only on those before it.
const LAYERS: &[&str] = &[
    "govledger-core",
    "govledger-projections",
    "govledger-graphql",
    "govledger-tests",
];

/// Crates that speak GraphQL, HTTP or JSON: only `graphql` (and the tests) may use them.
const WEB_CRATES: &[&str] = &[
    "async-graphql",
    "async-graphql-axum",
    "async-graphql-parser",
    "async-graphql-value",
    "axum",
    "axum-core",
    "http",
    "http-body",
    "http-body-util",
    "hyper",
    "hyper-util",
    "reqwest",
    "serde_json",
    "tokio-tungstenite",
    "tower",
    "tower-http",
    "tungstenite",
    "ureq",
];

const RULES: &[Rule] = &[
    Rule {
        name: "only core/src/codec.rs uses bincode (every stored record begins with a format tag)",
        scope: Scope::Sources(&[""]),
        forbidden: Forbidden::Crates(&["bincode"]),
        allowed: &["core/src/codec.rs"],
    },
    Rule {
        name: "only core depends on bincode",
        scope: Scope::Manifests(&[
            "govledger-projections",
            "govledger-graphql",
            "govledger-tests",
        ]),
        forbidden: Forbidden::Crates(&["bincode"]),
        allowed: &[],
    },
    Rule {
        name: "only core (and the tests' databases) talk to PostgreSQL (ADR 0018, 0025)",
        scope: Scope::Manifests(&["govledger-projections", "govledger-graphql"]),
        forbidden: Forbidden::Crates(&["tokio-postgres", "postgres", "sqlx"]),
        // The graphql crate's tests create and drop a database per PostgreSQL test ledger
        // (graphql/tests/support/postgres.rs); its code reaches PostgreSQL through core.
        allowed: &["govledger-graphql: tokio-postgres (dev)"],
    },
    Rule {
        name: "sled only in the stores and the read models' storage",
        scope: Scope::Sources(&["core/src/", "projections/src/", "graphql/src/"]),
        forbidden: Forbidden::Crates(&["sled"]),
        allowed: &[
            // The ledger store, and its errors' conversion from sled's.
            "core/src/store/sled_store/",
            "core/src/error.rs",
            // The personal-data store's sled backend (a sled database beside the ledger).
            "core/src/personal_data/sled_people.rs",
            // Access tokens: migrating the sled token database of earlier versions.
            "graphql/src/access/legacy_sled.rs",
            "graphql/src/access/token_store.rs",
            // The read models' storage layer.
            "projections/src/storage/",
        ],
    },
    Rule {
        name: "core and projections know nothing of GraphQL, HTTP or JSON",
        scope: Scope::Sources(&["core/src/", "projections/src/"]),
        forbidden: Forbidden::Crates(WEB_CRATES),
        allowed: &[],
    },
    Rule {
        name: "core and projections depend on no GraphQL, HTTP or JSON crate",
        scope: Scope::Manifests(&["govledger-core", "govledger-projections"]),
        forbidden: Forbidden::Crates(WEB_CRATES),
        // core's Merkle proof vectors (core/tests/fixtures/merkle) are JSON.
        allowed: &["govledger-core: serde_json (dev)"],
    },
];

/// A rule per layer: a crate depends on no workspace crate above it.
fn layer_rules() -> Vec<Rule> {
    (0..LAYERS.len())
        .map(|layer| Rule {
            name: "a crate depends only on the layers below it (core, projections, graphql, tests)",
            scope: Scope::Manifests(&LAYERS[layer..=layer]),
            forbidden: Forbidden::WorkspaceCratesExcept(&LAYERS[..layer]),
            allowed: &[],
        })
        .collect()
}

#[test]
fn the_workspace_keeps_its_invariants() {
    let workspace = Workspace::read();
    assert!(
        workspace.sources.len() > 100,
        "read the workspace's sources"
    );
    let layers = layer_rules();
    let failures: Vec<String> = RULES
        .iter()
        .chain(&layers)
        .flat_map(|rule| check(rule, &workspace))
        .collect();
    assert!(
        failures.is_empty(),
        "tidy found {} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_crate_has_a_layer() {
    let workspace = Workspace::read();
    for name in workspace.member_names() {
        assert!(
            LAYERS.contains(&name),
            "{name}: not in tidy.rs's LAYERS; give it a layer"
        );
    }
}

// The checker itself, on made-up workspaces.

const SLED_IN_STORE: Rule = Rule {
    name: "sled in the store",
    scope: Scope::Sources(&["core/src/"]),
    forbidden: Forbidden::Crates(&["sled"]),
    allowed: &["core/src/store/"],
};

/// Checks `SLED_IN_STORE` on a workspace of `path` holding `text`, beside an allowed file.
fn check_source(path: &str, text: &str, expect: &[&str]) {
    let sources = vec![
        Source {
            path: "core/src/store/db.rs".into(),
            code: code_only("sled::open(path)"),
        },
        Source {
            path: path.into(),
            code: code_only(text),
        },
    ];
    let workspace = Workspace {
        sources,
        packages: Vec::new(),
    };
    assert_eq!(
        check(&SLED_IN_STORE, &workspace),
        expect,
        "{path}: {text:?}"
    );
}

#[test]
fn a_source_rule_names_each_use_with_its_file_line_and_rule() {
    let flagged =
        |line: usize| format!("core/src/a.rs:{line}: uses `sled`; rule: sled in the store");
    check_source("core/src/a.rs", "use sled::Db;", &[&flagged(1)]);
    check_source(
        "core/src/a.rs",
        "fn f() {}\n\n    let db = ::sled::open(p)?;",
        &[&flagged(3)],
    );
    check_source("core/src/a.rs", "use sled;", &[&flagged(1)]);
    check_source(
        "core/src/a.rs",
        "pub(crate) use sled as storage;",
        &[&flagged(1)],
    );
    check_source("core/src/a.rs", "extern crate sled;", &[&flagged(1)]);
    check_source(
        "core/src/a.rs",
        "use std::{io, sled :: Db};",
        &[&flagged(1)],
    );
    check_source(
        "core/src/a.rs",
        "fn f<'a>(x: &'a str) -> sled::Db {}",
        &[&flagged(1)],
    );
    check_source(
        "core/src/a.rs",
        "let quote = '\\''; let db: sled::Db;",
        &[&flagged(1)],
    );
    check_source(
        "core/src/a.rs",
        "let c = '\"'; let db: sled::Db;",
        &[&flagged(1)],
    );
    check_source(
        "core/src/a.rs",
        "/* a /* nested */ comment */ sled::open()",
        &[&flagged(1)],
    );
}

#[test]
fn a_source_rule_ignores_prose_other_paths_and_its_exceptions() {
    let none: &[&str] = &[];
    check_source(
        "core/src/a.rs",
        "// use sled::Db;\n//! sled::open\n/// sled::Db",
        none,
    );
    check_source("core/src/a.rs", "/* sled::Db\n sled::Db */", none);
    check_source("core/src/a.rs", "let s = \"use sled::Db\";", none);
    check_source(
        "core/src/a.rs",
        "let s = r#\"sled::Db \"quoted\" \"#;",
        none,
    );
    check_source("core/src/a.rs", "let s = b\"sled::\\\"Db\";", none);
    check_source(
        "core/src/a.rs",
        "crate::sled::open(); self::sled::x(); super::sled::y()",
        none,
    );
    check_source(
        "core/src/a.rs",
        "resled::open(); sled_like::open(); let sled = 1;",
        none,
    );
    check_source("core/tests/a.rs", "use sled::Db;", none);
    check_source("core/src/store/b.rs", "use sled::Db;", none);
}

#[test]
fn an_exception_that_no_longer_applies_fails_so_the_list_only_shrinks() {
    let workspace = Workspace {
        sources: vec![Source {
            path: "core/src/store/db.rs".into(),
            code: code_only("// sled"),
        }],
        packages: Vec::new(),
    };
    assert_eq!(
        check(&SLED_IN_STORE, &workspace),
        [
            "core/src/store/: an exception to rule \"sled in the store\" that no longer breaks it: \
          remove it from the list"
        ]
    );
}

fn package(name: &str, dependencies: &[(&str, &str)]) -> Package {
    Package {
        name: name.into(),
        manifest: format!("{}/Cargo.toml", name.trim_start_matches("govledger-")),
        dependencies: dependencies
            .iter()
            .map(|(name, kind)| Dependency {
                name: (*name).into(),
                kind: (*kind).into(),
            })
            .collect(),
    }
}

/// Checks the real rules on a workspace of core, projections and graphql, where `crate_name`
/// has `dependencies` besides its real layer's.
fn check_manifest(crate_name: &str, dependencies: &[(&str, &str)], expect: &[&str]) {
    let mut packages = vec![
        package(
            "govledger-core",
            &[("sled", "normal"), ("serde_json", "dev")],
        ),
        package("govledger-projections", &[("govledger-core", "normal")]),
        package(
            "govledger-graphql",
            &[
                ("govledger-core", "normal"),
                ("govledger-projections", "normal"),
                ("tokio-postgres", "dev"),
            ],
        ),
    ];
    let changed = packages
        .iter_mut()
        .find(|package| package.name == crate_name)
        .expect("a crate");
    changed
        .dependencies
        .extend(package(crate_name, dependencies).dependencies);
    let workspace = Workspace {
        sources: Vec::new(),
        packages,
    };
    let layers = layer_rules();
    let rules = RULES
        .iter()
        .chain(&layers)
        .filter(|rule| matches!(rule.scope, Scope::Manifests(_)));
    let failures: Vec<String> = rules.flat_map(|rule| check(rule, &workspace)).collect();
    assert_eq!(failures, expect, "{crate_name} + {dependencies:?}");
}

#[test]
fn a_manifest_rule_names_the_manifest_the_dependency_and_the_rule() {
    let layers = "a crate depends only on the layers below it (core, projections, graphql, tests)";
    let web = "core and projections depend on no GraphQL, HTTP or JSON crate";
    check_manifest("govledger-core", &[], &[]);
    check_manifest(
        "govledger-core",
        &[("govledger-projections", "dev")],
        &[&format!(
            "core/Cargo.toml: govledger-core depends on `govledger-projections` (dev); rule: {layers}"
        )],
    );
    check_manifest(
        "govledger-projections",
        &[("govledger-graphql", "normal")],
        &[&format!(
            "projections/Cargo.toml: govledger-projections depends on `govledger-graphql` (normal); rule: {layers}"
        )],
    );
    check_manifest(
        "govledger-projections",
        &[("axum", "normal")],
        &[&format!(
            "projections/Cargo.toml: govledger-projections depends on `axum` (normal); rule: {web}"
        )],
    );
    check_manifest(
        "govledger-core",
        &[("serde_json", "normal")],
        &[&format!(
            "core/Cargo.toml: govledger-core depends on `serde_json` (normal); rule: {web}"
        )],
    );
    check_manifest(
        "govledger-graphql",
        &[("bincode", "normal")],
        &[
            "graphql/Cargo.toml: govledger-graphql depends on `bincode` (normal); rule: only core depends on bincode",
        ],
    );
    check_manifest(
        "govledger-graphql",
        &[("axum", "normal"), ("serde_json", "normal")],
        &[],
    );
}

#[test]
fn lines_using_finds_a_crate_path_on_its_lines() {
    let code = code_only(
        "use a::b;\nlet x = http::Request::new();\nlet y = \"http://x\";\nhttp_body::f()",
    );
    assert_eq!(lines_using(&code, "http"), [2]);
}
