//! The layers of `ARCHITECTURE.md`, checked: no module imports one above its own layer.
//!
//! store → model → domain → operations → web / cli. Foundations (protocol, messages, validation,
//! crypto helpers) sit under everything. A module is placed by the longest matching prefix of its
//! path under `src/`; an import `crate::a::b` is placed the same way.

use std::path::Path;

/// (module path prefix, layer), longest prefix wins.
const LAYERS: &[(&str, u8)] = &[
    // Foundations: no business knowledge.
    ("routeros", 0),
    ("qpay", 0),
    ("sim", 0),
    ("i18n", 0),
    ("validate", 0),
    ("access/secret", 0),
    ("network/secretbox", 0),
    ("store", 1),
    ("error", 2),
    ("audit", 2),
    ("clock", 2),
    ("idempotency", 2),
    ("model", 2),
    // The domain: rules over records, and the services that act on routers and messages.
    ("access", 3),
    ("banner", 3),
    ("settings", 3),
    ("network", 3),
    ("billing", 3),
    ("feedback", 3),
    ("portal", 3),
    ("notify", 3),
    ("reports", 3),
    ("dashboard", 3),
    ("backup", 3),
    ("enforce", 3),
    ("selfpay", 3),
    ("vouchers", 3),
    // The composition root and the use cases.
    ("app", 4),
    ("ops", 4),
    // The edges.
    ("web", 5),
    ("cli", 5),
    ("control", 5),
    ("demo", 5),
    ("main", 5),
    ("lib", 5),
];

fn layer(path: &str) -> Option<u8> {
    LAYERS
        .iter()
        .filter(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}/")))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|&(_, l)| l)
}

/// `crate::a::b::c` as `a/b` (the module part is at most two segments deep here).
fn imported(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        let segs: Vec<&str> = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or("")
            .split("::")
            .filter(|s| !s.is_empty())
            .take(2)
            .collect();
        if !segs.is_empty() {
            out.push(segs.join("/"));
        }
    }
    out
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, files);
        } else if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().with_extension("");
        let module = rel.to_string_lossy().trim_end_matches("/mod").to_string();
        let own = layer(&module).unwrap_or_else(|| panic!("{module} has no layer in LAYERS"));
        let text = std::fs::read_to_string(f).unwrap();
        // Tests may reach anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for target in imported(line) {
                let Some(theirs) = layer(&target) else {
                    continue;
                };
                if theirs > own {
                    wrong.push(format!(
                        "src/{}.rs:{}: {module} imports {target}",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(files.len() > 100, "the walk found the sources");
    assert!(
        wrong.is_empty(),
        "imports of a higher layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn web_api_imports_nothing_from_the_pages() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/api");
    let mut files = Vec::new();
    walk(&api, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains("pages::"), "{} uses web::pages", f.display());
    }
}
