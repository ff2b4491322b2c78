//! The layers point one way. Across crates the compiler keeps it so (domain <- model <-
//! server <- storefront); inside this crate, where the compiler cannot, this test does:
//!
//! - `api` (server-function shells) never names the UI (`app`, `pages`, `components`);
//! - `components` never name `pages`, `app` or the staff `console`; `pages` never name
//!   `app` or the `console`, and the `console` never names the shop's `pages`;
//! - the shop's app (`app`, `main.rs`) never names the staff `console`: the staff app is
//!   a bundle of its own (`staff_main.rs`), which shoppers never download;
//! - no two components (or two pages) import each other, directly or round a circle;
//! - `storefront-domain` depends on no framework, and `storefront-server` not on the UI crate.
//!
//! It reads the source as text: a `use` or a path naming a module is an import.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file below `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (doc comments may name anything).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn violations(dir: &str, forbidden: &[&str]) -> Vec<String> {
    sources(&root().join(dir))
        .into_iter()
        .flat_map(|(path, text)| {
            let code = code(&text);
            forbidden
                .iter()
                .filter(|f| code.contains(*f))
                .map(|f| format!("{} names {f}", path.display()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn api_never_names_the_ui() {
    let found = violations(
        "src/api",
        &[
            "crate::app",
            "crate::pages",
            "crate::components",
            "crate::console",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn components_pages_and_console_point_down() {
    let mut found = violations(
        "src/components",
        &["crate::pages", "crate::app", "crate::console"],
    );
    found.extend(violations("src/pages", &["crate::app", "crate::console"]));
    found.extend(violations("src/console", &["crate::pages", "crate::app"]));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_shop_app_never_names_the_staff_app() {
    for file in ["src/app.rs", "src/main.rs"] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let code = code(&text);
        assert!(
            !code.contains("crate::console") && !code.contains("storefront::console"),
            "{file} names the staff console: it would go into every shopper's download"
        );
    }
    let staff = std::fs::read_to_string(root().join("src/staff_main.rs")).unwrap();
    assert!(code(&staff).contains("storefront::console::start()"));
}

/// The shop decodes JSON one way: server functions' answers go through
/// `serde_json::from_slice`, so what else the browser reads (local storage, live stock, the
/// built-in help) does too. A `from_str` compiles a second copy of the decoder for each
/// type it reads, in every shopper's download (switching the shop's five saved 3,767 B brotli).
#[test]
fn the_shop_decodes_json_one_way() {
    let mut found = Vec::new();
    for dir in [
        "src/components",
        "src/pages",
        "src/api",
        "crates/domain/src",
        "crates/model/src",
    ] {
        found.extend(violations(
            dir,
            &["serde_json::from_str", "serde_json::from_reader"],
        ));
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// The modules of `dir` (one per file or folder) and which of them each one imports.
fn module_graph(dir: &str, crate_path: &str) -> BTreeMap<String, BTreeSet<String>> {
    let base = root().join(dir);
    let files = sources(&base);
    let name_of = |path: &Path| {
        let rel = path.strip_prefix(&base).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let names: BTreeSet<String> = files
        .iter()
        .map(|(p, _)| name_of(p))
        .filter(|n| n != "mod")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in &files {
        let from = name_of(path);
        if from == "mod" {
            continue;
        }
        let code = code(text);
        // `super::x` only reaches a sibling from a file directly in `dir`.
        let direct = path.parent() == Some(base.as_path());
        for to in &names {
            let by_crate = code.contains(&format!("{crate_path}::{to}::"))
                || code.contains(&format!("{crate_path}::{to};"));
            let by_super = direct
                && (code.contains(&format!("super::{to}::"))
                    || code.contains(&format!("super::{to};"))
                    || code.contains(&format!("super::{{{to}")));
            if to != &from && (by_crate || by_super) {
                graph.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    graph
}

/// A circle of imports, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn components_and_pages_import_in_one_direction() {
    for (dir, path) in [
        ("src/components", "crate::components"),
        ("src/pages", "crate::pages"),
    ] {
        let graph = module_graph(dir, path);
        assert!(
            !graph.is_empty(),
            "{dir}: no imports found, the check reads nothing"
        );
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{dir}: modules import each other: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert_eq!(find_cycle(&g), None);
    g.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        find_cycle(&g),
        Some(
            vec!["a", "b", "c", "a"]
                .into_iter()
                .map(String::from)
                .collect()
        )
    );
}

/// The `[dependencies]` names of a crate's manifest.
fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().to_owned());
            }
        }
    }
    assert!(!names.is_empty(), "{manifest}: no dependencies read");
    names
}

#[test]
fn crates_depend_downwards_only() {
    let domain = dependencies("crates/domain/Cargo.toml");
    for framework in [
        "leptos",
        "leptos_axum",
        "axum",
        "sqlx",
        "tokio",
        "web-sys",
        "storefront-model",
        "storefront-server",
    ] {
        assert!(
            !domain.iter().any(|d| d == framework),
            "the domain crate depends on {framework}"
        );
    }
    let model = dependencies("crates/model/Cargo.toml");
    for above in [
        "storefront-server",
        "storefront",
        "sqlx",
        "leptos_router",
        "web-sys",
    ] {
        assert!(
            !model.iter().any(|d| d == above),
            "the model crate depends on {above}"
        );
    }
    let server = dependencies("crates/server/Cargo.toml");
    for above in ["storefront", "leptos_router", "web-sys", "gloo-net"] {
        assert!(
            !server.iter().any(|d| d == above),
            "the server crate depends on {above}"
        );
    }
}
