//! The panel's layers, read from its source (docs/architecture.md): which
//! top-level module may import which, no import cycle among them, front ends
//! that never import each other, and `anyhow` only where a program ends
//! (main, startup, the CLI, the background loops).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may import. A new front end
/// (`ws`, `ssh`, `dns`) gets a line like `api`'s.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    // READY=1 / STOPPING=1 to systemd for `serve` (deploy/smp-panel.service).
    ("notify", &[]),
    ("db", &["domain"]),
    // The Fluent files: what the use cases' refusals and the pages say, in each language.
    ("texts", &["domain"]),
    ("policy", &["db", "domain"]),
    ("agents", &["db", "domain"]),
    ("error", &["agents", "db", "domain", "texts"]),
    ("config", &["db", "domain", "http"]),
    ("sync", &["agents", "db", "domain", "error"]),
    ("app", &["agents", "db", "domain", "error", "policy", "sync", "texts"]),
    ("http", &["app", "db", "domain", "error", "policy"]),
    ("api", &["app", "http", "db", "domain", "error", "policy"]),
    ("web", &["app", "http", "db", "domain", "error", "policy", "texts"]),
    ("ws", &["app", "http", "db", "error", "texts"]),
    ("ssh", &["app", "db", "domain", "error"]),
    ("dns", &["app", "db"]),
    ("cli", &["agents", "app", "config", "db", "domain", "error", "notify", "policy", "startup", "sync"]),
    (
        "startup",
        &["agents", "api", "app", "config", "db", "domain", "error", "dns", "http", "ssh", "sync", "web", "ws"],
    ),
];

/// Where `anyhow` may appear: the programs' edges and the background loops.
const ANYHOW_ALLOWED: &[&str] = &["main.rs", "startup.rs", "cli/", "sync.rs"];

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`api/containers.rs` → `api`).
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// Every `crate::x` a file names, outside its `#[cfg(test)]` tail.
fn imports_of(text: &str) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let preceded_by_word = code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if preceded_by_word {
            continue; // `smp_panel::…` in docs, `super::crate` never
        }
        let name: String =
            code[at + "crate::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        // `lib.rs` re-exports a few types at the root: count them where they live.
        let module = match name.as_str() {
            "Role" | "Username" => "domain",
            "Config" => "config",
            "Application" => "startup",
            other => other,
        };
        if !module.is_empty() {
            found.insert(module.to_owned());
        }
    }
    found
}

/// Module → the other top-level modules its files import.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = source_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().to_owned();
        let module = module_of(&relative);
        if module == "main" || module == "lib" {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        let imports = graph.entry(module.clone()).or_default();
        imports.extend(imports_of(&text).into_iter().filter(|name| *name != module));
    }
    graph
}

#[test]
fn every_top_level_module_imports_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, imports) in import_graph() {
        let Some(may) = allowed.get(module.as_str()) else {
            wrong.push(format!("{module}: a top-level module the layer table does not name"));
            continue;
        };
        for import in imports {
            if !may.contains(&import.as_str()) {
                wrong.push(format!("{module} imports {import}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports across the layers (tests/api/layers.rs has the table):\n{}", wrong.join("\n"));
}

#[test]
fn no_import_cycle_among_the_top_level_modules() {
    let graph = import_graph();
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|seen| seen == module) {
            let mut cycle = path[start..].to_vec();
            cycle.push(module.to_owned());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("an import cycle: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_front_ends_never_import_each_other() {
    let graph = import_graph();
    let front_ends = ["api", "web", "ws", "ssh", "dns"];
    for module in front_ends {
        for other in front_ends.iter().filter(|other| **other != module) {
            assert!(!graph.get(module).is_some_and(|imports| imports.contains(*other)), "{module} imports {other}");
        }
    }
}

#[test]
fn anyhow_is_used_only_at_the_programs_edges_and_in_background_loops() {
    let root = source_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
        if ANYHOW_ALLOWED.iter().any(|allowed| relative == *allowed || relative.starts_with(allowed)) {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        if text.split("#[cfg(test)]").next().unwrap_or(&text).contains("anyhow") {
            wrong.push(relative);
        }
    }
    assert!(wrong.is_empty(), "anyhow below the programs' edges: {wrong:?}");
}

#[test]
fn the_layer_check_sees_an_import() {
    let imports = imports_of("use crate::db::users;\nfn f() { crate::policy::decide(); smp_panel::api::x(); }");
    assert_eq!(imports, BTreeSet::from(["db".to_owned(), "policy".to_owned()]));
}
