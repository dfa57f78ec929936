//! A tidy rule and the one function that checks it against a workspace.

use super::source::lines_using;
use super::workspace::Workspace;

/// One invariant: what may not be used, where, and the exceptions.
pub(crate) struct Rule {
    /// Named in every failure, with the file.
    pub(crate) name: &'static str,
    pub(crate) scope: Scope,
    pub(crate) forbidden: Forbidden,
    /// Exceptions. For sources, files from the workspace root (a path ending in `/` is a
    /// folder); for manifests, `"package: dependency (kind)"`. An exception that no longer
    /// breaks the rule fails too, so the lists only shrink.
    pub(crate) allowed: &'static [&'static str],
}

/// Where a rule looks.
pub(crate) enum Scope {
    /// Rust sources whose path starts with one of these (`""`: every source).
    Sources(&'static [&'static str]),
    /// The manifests of these packages.
    Manifests(&'static [&'static str]),
}

/// What a rule forbids: crates by package name (`async-graphql`; sources name it
/// `async_graphql`).
pub(crate) enum Forbidden {
    Crates(&'static [&'static str]),
    /// Every crate of the workspace but these (and the package itself).
    WorkspaceCratesExcept(&'static [&'static str]),
}

impl Forbidden {
    fn crates(&self, workspace: &Workspace, package: &str) -> Vec<String> {
        match self {
            Forbidden::Crates(crates) => crates.iter().map(|name| name.to_string()).collect(),
            Forbidden::WorkspaceCratesExcept(allowed) => workspace
                .member_names()
                .into_iter()
                .filter(|name| *name != package && !allowed.contains(name))
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// Every way `workspace` breaks `rule`, one message per file and line (or dependency), each
/// naming the file and the rule.
pub(crate) fn check(rule: &Rule, workspace: &Workspace) -> Vec<String> {
    let mut failures = Vec::new();
    let mut exceptions_used = vec![false; rule.allowed.len()];
    match &rule.scope {
        Scope::Sources(prefixes) => {
            let forbidden = rule.forbidden.crates(workspace, "");
            let in_scope = workspace.sources.iter().filter(|source| {
                prefixes
                    .iter()
                    .any(|prefix| source.path.starts_with(prefix))
            });
            for source in in_scope {
                for name in &forbidden {
                    let lines = lines_using(&source.code, &name.replace('-', "_"));
                    if lines.is_empty() {
                        continue;
                    }
                    let exception = rule.allowed.iter().position(|allowed| {
                        source.path == *allowed
                            || allowed.ends_with('/') && source.path.starts_with(allowed)
                    });
                    match exception {
                        Some(index) => exceptions_used[index] = true,
                        None => failures.extend(lines.iter().map(|line| {
                            format!("{}:{line}: uses `{name}`; rule: {}", source.path, rule.name)
                        })),
                    }
                }
            }
        }
        Scope::Manifests(packages) => {
            for package in workspace
                .packages
                .iter()
                .filter(|package| packages.contains(&package.name.as_str()))
            {
                let forbidden = rule.forbidden.crates(workspace, &package.name);
                for dependency in &package.dependencies {
                    if !forbidden.contains(&dependency.name) {
                        continue;
                    }
                    let entry = format!(
                        "{}: {} ({})",
                        package.name, dependency.name, dependency.kind
                    );
                    match rule.allowed.iter().position(|allowed| *allowed == entry) {
                        Some(index) => exceptions_used[index] = true,
                        None => failures.push(format!(
                            "{}: {} depends on `{}` ({}); rule: {}",
                            package.manifest,
                            package.name,
                            dependency.name,
                            dependency.kind,
                            rule.name
                        )),
                    }
                }
            }
        }
    }
    for (allowed, used) in rule.allowed.iter().zip(exceptions_used) {
        if !used {
            failures.push(format!(
                "{allowed}: an exception to rule \"{}\" that no longer breaks it: remove it from the list",
                rule.name
            ));
        }
    }
    failures
}
