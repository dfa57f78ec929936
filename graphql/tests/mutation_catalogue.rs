//! The mutation catalogue against the schema, the authority matrix and docs/graphql.md: every
//! domain command has its typed mutation, and the documented table is the generated one.

use govledger_core::domain::authority::MATRIX;
use govledger_graphql::schema::mutations::catalogue::{MUTATIONS, mutations_markdown};
use govledger_graphql::schema::sdl;

const DOC: &str = include_str!("../../docs/graphql.md");
const START: &str = "<!-- mutations:start -->\n";
const END: &str = "<!-- mutations:end -->";

/// The field names of the schema's mutation root.
fn mutation_fields() -> Vec<String> {
    let sdl = sdl();
    let root = sdl
        .split("type MutationRoot {")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .expect("the schema has a mutation root");
    root.lines()
        .filter_map(|line| line.trim().split_once("(input:"))
        .map(|(name, _)| name.to_string())
        .collect()
}

#[test]
fn every_domain_command_has_its_typed_mutation() {
    for (command, _) in MATRIX {
        let senders: Vec<_> = MUTATIONS.iter().filter(|(_, c)| c == command).collect();
        assert_eq!(senders.len(), 1, "{command}: {senders:?}");
    }
    assert_eq!(MUTATIONS.len(), MATRIX.len());
}

#[test]
fn the_catalogue_names_exactly_the_schema_mutations() {
    let mut in_schema = mutation_fields();
    in_schema.retain(|name| name != "executeCommand");
    in_schema.sort();
    let mut catalogued: Vec<String> = MUTATIONS.iter().map(|(m, _)| m.to_string()).collect();
    catalogued.sort();
    catalogued.dedup();
    assert_eq!(in_schema, catalogued);
}

#[test]
fn docs_show_the_generated_mutation_table() {
    let section = DOC
        .split_once(START)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(table, _)| table)
        .expect("docs/graphql.md has the mutations markers");
    assert_eq!(
        section,
        mutations_markdown(),
        "regenerate the table in docs/graphql.md from catalogue::mutations_markdown()"
    );
}
