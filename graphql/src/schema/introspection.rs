//! Standard introspection next to the query limits. The query `graphql-js`'s
//! `getIntrospectionQuery()` sends (GraphiQL, graphql-codegen, Apollo tooling,
//! `get-graphql-schema`) nests `ofType` nine deep, past `QUERY_DEPTH_MAX`. An operation that
//! selects nothing but introspection (`__schema`, `__type`, `__typename`) is therefore run
//! against a schema with `INTROSPECTION_DEPTH_MAX`; every other operation keeps the ordinary
//! limits. What makes introspection expensive is not depth but lists of types nested in
//! lists of types (`fields { type { fields { … } } }`), so, as graphql-js's
//! `MaxIntrospectionDepthRule` does, a document that nests `fields`, `inputFields`,
//! `interfaces` or `possibleTypes` `INTROSPECTION_LISTS_DEPTH_MAX` deep is refused.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use crate::limits::INTROSPECTION_LISTS_DEPTH_MAX;

/// What an operation asks of the schema, as far as the limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationShape {
    /// Anything with a field of the API itself: the ordinary limits.
    Ordinary,
    /// Only `__schema`, `__type` and `__typename` at the root.
    IntrospectionOnly,
    /// Introspection lists nested too deep: refused before execution.
    IntrospectionTooDeep,
}

/// The message a refused introspection gets (graphql-js's words).
pub const INTROSPECTION_TOO_DEEP_MESSAGE: &str = "Maximum introspection depth exceeded";

/// The shape of the operation `operation_name` selects in `document` (the first when no name
/// is given; an unknown name is `Ordinary`, left to the executor to refuse).
pub fn shape(document: &ExecutableDocument, operation_name: Option<&str>) -> OperationShape {
    if lists_too_deep(document) {
        return OperationShape::IntrospectionTooDeep;
    }
    let operation = document
        .operations
        .iter()
        .find(|(name, _)| operation_name.is_none() || name.map(|n| n.as_str()) == operation_name)
        .map(|(_, operation)| operation);
    match operation {
        Some(operation)
            if only_introspection(
                document,
                &operation.node.selection_set.node,
                &mut HashMap::new(),
            ) =>
        {
            OperationShape::IntrospectionOnly
        }
        _ => OperationShape::Ordinary,
    }
}

fn is_introspection_root(name: &str) -> bool {
    matches!(name, "__schema" | "__type" | "__typename")
}

/// Whether every root field of `set` (through fragments) is an introspection field; `checked`
/// remembers each fragment's answer (a fragment being checked counts as `false`: a cycle,
/// which validation refuses).
fn only_introspection<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    checked: &mut HashMap<&'a str, bool>,
) -> bool {
    set.items.iter().all(|selection| match &selection.node {
        Selection::Field(field) => is_introspection_root(field.node.name.node.as_str()),
        Selection::InlineFragment(fragment) => {
            only_introspection(document, &fragment.node.selection_set.node, checked)
        }
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.as_str();
            if let Some(&only) = checked.get(name) {
                return only;
            }
            let Some(fragment) = document.fragments.get(name) else {
                return false;
            };
            checked.insert(name, false);
            let only = only_introspection(document, &fragment.node.selection_set.node, checked);
            checked.insert(name, only);
            only
        }
    })
}

/// The introspection fields that list types (graphql-js counts the same four).
fn is_type_list(name: &str) -> bool {
    matches!(
        name,
        "fields" | "inputFields" | "interfaces" | "possibleTypes"
    )
}

/// Whether any `__schema` or `__type` in the document nests type lists too deep.
fn lists_too_deep(document: &ExecutableDocument) -> bool {
    let mut walk = ListsWalk {
        document,
        exceeded: HashMap::new(),
        visiting: HashSet::new(),
    };
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node);
    let fragments = document
        .fragments
        .values()
        .map(|fragment| &fragment.node.selection_set.node);
    operations.chain(fragments).any(|set| walk.find_roots(set))
}

/// A walk that remembers, per fragment and entry depth, whether the limit is reached below
/// it, so a document of fragments spread many times is checked in linear time.
struct ListsWalk<'a> {
    document: &'a ExecutableDocument,
    exceeded: HashMap<(&'a str, usize), bool>,
    visiting: HashSet<(&'a str, usize)>,
}

impl<'a> ListsWalk<'a> {
    /// Looks for introspection roots in `set`'s own fields (fragments are walked on their own).
    fn find_roots(&mut self, set: &'a SelectionSet) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                if name == "__schema" || name == "__type" {
                    self.too_deep(&field.node.selection_set.node, 0)
                } else {
                    self.find_roots(&field.node.selection_set.node)
                }
            }
            Selection::InlineFragment(fragment) => {
                self.find_roots(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => false,
        })
    }

    /// Whether `set`, entered at `depth` type lists, reaches the limit.
    fn too_deep(&mut self, set: &'a SelectionSet, depth: usize) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                let mut depth = depth;
                if is_type_list(field.node.name.node.as_str()) {
                    depth += 1;
                    if depth >= INTROSPECTION_LISTS_DEPTH_MAX {
                        return true;
                    }
                }
                self.too_deep(&field.node.selection_set.node, depth)
            }
            Selection::InlineFragment(fragment) => {
                self.too_deep(&fragment.node.selection_set.node, depth)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(&exceeded) = self.exceeded.get(&(name, depth)) {
                    return exceeded;
                }
                let Some(fragment) = self.document.fragments.get(name) else {
                    return false;
                };
                if !self.visiting.insert((name, depth)) {
                    // A cycle; validation refuses it.
                    return false;
                }
                let exceeded = self.too_deep(&fragment.node.selection_set.node, depth);
                self.visiting.remove(&(name, depth));
                self.exceeded.insert((name, depth), exceeded);
                exceeded
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, operation_name: Option<&str>, expect: OperationShape) {
        let document = async_graphql::parser::parse_query(query).expect("the test query parses");
        assert_eq!(shape(&document, operation_name), expect, "{query}");
    }

    #[test]
    fn operations_are_told_apart_by_what_they_select() {
        use OperationShape::{
            IntrospectionOnly as Only, IntrospectionTooDeep as TooDeep, Ordinary,
        };
        check("{ __typename }", None, Only);
        check("{ __schema { types { name } } }", None, Only);
        check(
            "{ __type(name: \"Query\") { fields { name } } }",
            None,
            Only,
        );
        check(
            "query Q { ...F } fragment F on Query { __schema { description } }",
            None,
            Only,
        );
        check("{ ... on Query { __typename } }", None, Only);
        check(
            "{ ledgerHead { position } __schema { description } }",
            None,
            Ordinary,
        );
        check("{ ledgerHead { position } }", None, Ordinary);
        check(
            "query A { __typename } query B { ledgerHead { position } }",
            Some("A"),
            Only,
        );
        check(
            "query A { __typename } query B { ledgerHead { position } }",
            Some("B"),
            Ordinary,
        );
        check("query A { __typename }", Some("C"), Ordinary);
        check(
            "query Q { ...F } fragment F on Query { ...F }",
            None,
            Ordinary,
        );
        check(
            "{ __schema { types { fields { type { fields { name } } } } } }",
            None,
            Only,
        );
        check(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
            None,
            TooDeep,
        );
        check(
            "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } \
             fragment U on __Type { interfaces { possibleTypes { name } } }",
            None,
            TooDeep,
        );
        check(
            "{ ledgerHead { position } a: __type(name: \"Query\") { fields { type { \
             inputFields { type { possibleTypes { name } } } } } } }",
            None,
            TooDeep,
        );
    }

    #[test]
    fn fragments_spread_many_times_are_checked_quickly() {
        let mut document = String::from("{ __schema { types { ...F0 } } }\n");
        for level in 0..40 {
            document.push_str(&format!(
                "fragment F{level} on __Type {{ ofType {{ ...F{next} ...F{next} }} }}\n",
                next = level + 1
            ));
        }
        document.push_str("fragment F40 on __Type { name }\n");
        check(&document, None, OperationShape::IntrospectionOnly);
        let mut document = String::from("{ ...R0 }\n");
        for level in 0..40 {
            document.push_str(&format!(
                "fragment R{level} on Query {{ ...R{next} ...R{next} }}\n",
                next = level + 1
            ));
        }
        document.push_str("fragment R40 on Query { __typename }\n");
        check(&document, None, OperationShape::IntrospectionOnly);
    }
}
