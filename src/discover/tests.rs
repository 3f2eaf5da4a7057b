use super::*;

#[test]
fn caddyfile_names_are_recognised() {
    for name in [
        "Caddyfile",
        "Caddyfile.prod",
        "site.caddyfile",
        "x/Caddyfile",
    ] {
        assert!(is_caddyfile_name(Path::new(name)), "{name}");
    }
    for name in ["caddy.json", "Caddyfilex", "compose.yml"] {
        assert!(!is_caddyfile_name(Path::new(name)), "{name}");
    }
}

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap_or(root)).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn rel(root: &Path, v: &[PathBuf]) -> Vec<String> {
    v.iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn one_walk_lists_compose_files_folders_and_caddyfiles() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    for file in [
        "platform/prod/compose.prod.yml",
        "platform/prod/Caddyfile",
        "platform/prod/caddy/iam.Caddyfile",
        "platform/dev/docker-compose.yaml",
        "platform/dev/nested/compose.yml",
        "edge/Caddyfile",
        ".git/compose.yml",
        ".deploy/caddy/Caddyfile",
        "notes/compose.txt",
        "qa/readme.md",
    ] {
        write(root, file, "");
    }
    write(
        root,
        "ory/quickstart.yml",
        "version: '3'\nservices:\n  kratos:\n    image: oryd/kratos\n",
    );
    write(
        root,
        "ory/kratos.yml",
        "dsn: memory\nserve:\n  public: {}\n",
    );
    write(root, "ci/.gitlab-ci.yml", "services:\n  - docker:dind\n");
    // A folder named like a compose file is no compose file.
    std::fs::create_dir_all(root.join("odd/compose.yml")).unwrap_or_else(|e| panic!("{e}"));
    let listing = list_tree(root, Walk::default(), |d| d.ends_with("qa"), |_| false);
    assert_eq!(
        rel(root, &listing.compose),
        [
            "ory/quickstart.yml",
            "platform/dev/docker-compose.yaml",
            "platform/dev/nested/compose.yml",
            "platform/prod/compose.prod.yml",
        ]
    );
    assert_eq!(rel(root, &listing.configured), ["qa"]);
    assert_eq!(
        rel(root, &listing.caddyfiles),
        [
            ".deploy/caddy/Caddyfile",
            "edge/Caddyfile",
            "platform/prod/Caddyfile",
            "platform/prod/caddy/iam.Caddyfile"
        ]
    );
}

#[test]
fn ignore_files_exclude_folders_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    write(root, ".gitignore", "node_modules/\n/target\n");
    write(root, "app/.ignore", "vendor/\n");
    for file in [
        "prod/compose.yml",
        "node_modules/pkg/compose.yml",
        "target/tmp/compose.yml",
        "app/vendor/compose.yml",
        "app/compose.yml",
    ] {
        write(root, file, "");
    }
    let listing = list_tree(root, Walk::default(), |_| false, |_| false);
    assert_eq!(
        rel(root, &listing.compose),
        ["app/compose.yml", "prod/compose.yml"]
    );
    let all = list_tree(
        root,
        Walk {
            ignore_files: false,
        },
        |_| false,
        |_| false,
    );
    assert_eq!(all.compose.len(), 5, "{:?}", all.compose);
    // A checked folder inside an ignored one is still checked.
    let inside = list_tree(
        &root.join("target/tmp"),
        Walk::default(),
        |_| false,
        |_| false,
    );
    assert_eq!(inside.compose.len(), 1, "{:?}", inside.compose);
}

#[test]
fn compose_shape_is_a_top_level_services_mapping() {
    assert!(looks_like_compose("services:\n  a:\n    image: x\n"));
    assert!(looks_like_compose(
        "# c\nservices: # all\n\n  # the app\n  a: {}\n"
    ));
    assert!(looks_like_compose("services: {a: {image: x}}\n"));
    assert!(!looks_like_compose("services:\n  - docker:dind\n"));
    assert!(!looks_like_compose(
        "jobs:\n  build:\n    services:\n      db: {}\n"
    ));
    assert!(!looks_like_compose("serve:\n  public: {}\n"));
}

#[test]
fn lexical_containment_handles_parent_components() {
    let root = Path::new("/srv/tree");
    assert!(lexically_inside(root, Path::new("/srv/tree/a/../b")));
    assert!(!lexically_inside(root, Path::new("/srv/tree/../other")));
    assert_eq!(
        normalize(Path::new("../../shared/./db")),
        Path::new("../../shared/db")
    );
    assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
    assert_eq!(normalize(Path::new("/../x")), Path::new("/x"));
}
