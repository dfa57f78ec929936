//! The GraphQL schema as SDL: any change to the API shows up in review as a snapshot diff.

#[test]
fn schema_sdl_is_unchanged() {
    insta::assert_snapshot!("schema", govledger_graphql::schema::sdl());
}
