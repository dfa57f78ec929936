//! The workspace as the tidy rules see it: every Rust source (as code, see `source.rs`) and
//! every member's dependencies as `cargo metadata` reports them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::source::code_only;

/// One Rust source: its path from the workspace root (with `/`) and its code.
pub(crate) struct Source {
    pub(crate) path: String,
    pub(crate) code: String,
}

/// One dependency of a workspace member, as its manifest declares it.
pub(crate) struct Dependency {
    /// The package depended on (`sled`, `govledger-core`), not a rename.
    pub(crate) name: String,
    /// `normal`, `dev` or `build`.
    pub(crate) kind: String,
}

/// One workspace member.
pub(crate) struct Package {
    pub(crate) name: String,
    /// Its `Cargo.toml`, from the workspace root.
    pub(crate) manifest: String,
    pub(crate) dependencies: Vec<Dependency>,
}

pub(crate) struct Workspace {
    pub(crate) sources: Vec<Source>,
    pub(crate) packages: Vec<Package>,
}

/// The workspace root: the tests crate's parent.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

impl Workspace {
    /// Reads the workspace this test was built from.
    pub(crate) fn read() -> Workspace {
        let root = root();
        let packages = packages(&root);
        let mut sources = Vec::new();
        for package in &packages {
            let dir = Path::new(&package.manifest)
                .parent()
                .expect("a manifest has a folder");
            collect_sources(&root, &root.join(dir), &mut sources);
        }
        sources.sort_by(|a, b| a.path.cmp(&b.path));
        Workspace { sources, packages }
    }

    /// The workspace's own crates, by package name.
    pub(crate) fn member_names(&self) -> Vec<&str> {
        self.packages
            .iter()
            .map(|package| package.name.as_str())
            .collect()
    }
}

/// Every `.rs` file under `dir`, outside build output.
fn collect_sources(root: &Path, dir: &Path, sources: &mut Vec<Source>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "target") {
                collect_sources(root, &path, sources);
            }
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            sources.push(Source {
                path: relative(root, &path),
                code: code_only(&text),
            });
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    let relative = path
        .strip_prefix(root)
        .expect("a workspace file is under the root");
    relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The members and their declared dependencies (`cargo metadata --no-deps`: no resolution, no
/// network), so workspace inheritance and renames are read as cargo reads them.
fn packages(root: &Path) -> Vec<Package> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    metadata["packages"]
        .as_array()
        .expect("cargo metadata lists packages")
        .iter()
        .map(|package| Package {
            name: text(&package["name"]),
            manifest: relative(root, Path::new(&text(&package["manifest_path"]))),
            dependencies: package["dependencies"]
                .as_array()
                .expect("a package lists its dependencies")
                .iter()
                .map(|dependency| Dependency {
                    name: text(&dependency["name"]),
                    kind: dependency["kind"].as_str().unwrap_or("normal").to_owned(),
                })
                .collect(),
        })
        .collect()
}
