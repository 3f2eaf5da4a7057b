use super::*;

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (file, text) in files {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap_or(dir.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

/// (name, files relative to the root) of each stack.
fn described(root: &Path, claimed: &[&str], configured: &[&str]) -> Vec<(String, Vec<String>)> {
    let listing =
        crate::discover::list_tree(root, crate::discover::Walk::default(), |_| false, |_| false);
    let set: Vec<PathBuf> = claimed.iter().map(|c| root.join(c)).collect();
    let sets = [Stack::of_files("set".into(), set)];
    let configured: Vec<PathBuf> = configured.iter().map(|c| root.join(c)).collect();
    stacks(root, &listing.compose, &configured, &sets)
        .into_iter()
        .map(|s| {
            let files = s
                .files
                .iter()
                .map(|f| {
                    f.strip_prefix(root)
                        .unwrap_or(f)
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            (s.name, files)
        })
        .collect()
}

const S: &str = "services: {}\n";

#[test]
fn the_default_file_and_its_override_are_one_stack_and_variants_their_own() {
    let dir = tree(&[
        ("prod/compose.yml", S),
        ("prod/docker-compose.yaml", S),
        ("prod/compose.override.yaml", S),
        ("prod/docker-compose.override.yml", S),
        ("prod/docker-compose.caddy.yml", S),
        ("prod/compose.prod.yml", S),
    ]);
    assert_eq!(
        described(dir.path(), &[], &[]),
        [
            (
                "prod".into(),
                vec![
                    "prod/compose.yml".into(),
                    "prod/compose.override.yaml".into()
                ]
            ),
            (
                "prod/compose.prod.yml".into(),
                vec!["prod/compose.prod.yml".into()]
            ),
            ("caddy".into(), vec!["prod/docker-compose.caddy.yml".into()]),
            (
                "docker-compose".into(),
                vec!["prod/docker-compose.yaml".into()]
            ),
        ]
    );
}

#[test]
fn compose_prefers_yml_to_yaml_for_docker_compose_and_yaml_for_compose() {
    let dir = tree(&[("a/docker-compose.yaml", S), ("a/docker-compose.yml", S)]);
    assert_eq!(
        described(dir.path(), &[], &[])[0].1,
        ["a/docker-compose.yml"]
    );
    let dir = tree(&[("a/compose.yml", S), ("a/compose.yaml", S)]);
    assert_eq!(described(dir.path(), &[], &[])[0].1, ["a/compose.yaml"]);
}

#[test]
fn variants_without_a_base_are_stacks_named_by_their_files() {
    let dir = tree(&[
        ("ory/quickstart.yml", S),
        ("ory/quickstart-postgres.yml", S),
        ("ops/docker-compose.dev.yaml", S),
        ("ops/docker-compose.prod.yaml", S),
        ("prod/compose.prod.yml", S),
    ]);
    let names: Vec<String> = described(dir.path(), &[], &[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "dev",
            "ops/docker-compose.prod.yaml",
            "quickstart-postgres",
            "quickstart",
            "prod"
        ]
    );
}

#[test]
fn included_and_extended_files_are_not_stacks_of_their_own() {
    let dir = tree(&[
        (
            "app/compose.yml",
            "include:\n  - ory/compose.ory.yml\n  - path: [../shared/db.yml]\nservices:\n  web:\n    extends: {file: common.yml, service: base}\n",
        ),
        ("app/ory/compose.ory.yml", S),
        ("app/common.yml", S),
        ("shared/db.yml", S),
    ]);
    assert_eq!(
        described(dir.path(), &[], &[]),
        [("app".into(), vec!["app/compose.yml".into()])]
    );
}

#[test]
fn a_default_file_another_extends_from_is_still_a_stack() {
    let dir = tree(&[
        ("prod/compose.yml", "services:\n  web:\n    image: web:1\n"),
        (
            "prod/compose.prod.yml",
            "services:\n  web:\n    extends: {file: compose.yml, service: web}\n",
        ),
    ]);
    let names: Vec<String> = described(dir.path(), &[], &[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["prod", "prod/compose.prod.yml"]);
}

#[test]
fn claimed_files_leave_discovery_and_configured_folders_join_it() {
    let dir = tree(&[
        ("ory/quickstart.yml", S),
        ("ory/quickstart-postgres.yml", S),
        ("ory/quickstart-mysql.yml", S),
        ("edge/Caddyfile", ""),
    ]);
    assert_eq!(
        described(
            dir.path(),
            &["ory/quickstart.yml", "ory/quickstart-postgres.yml"],
            &["edge"]
        ),
        [
            ("edge".into(), vec![]),
            (
                "quickstart-mysql".into(),
                vec!["ory/quickstart-mysql.yml".into()]
            ),
        ]
    );
}

#[test]
fn clashing_names_take_their_folder_path() {
    let dir = tree(&[
        ("a/cloud/compose.yml", S),
        ("b/cloud/compose.yml", S),
        ("c/compose.yml", S),
    ]);
    let names: Vec<String> = described(dir.path(), &[], &[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, ["a/cloud", "b/cloud", "c"]);
}

#[test]
fn file_labels() {
    for (file, label) in [
        ("compose.prod.yml", Some("prod")),
        ("docker-compose-dev.yaml", Some("dev")),
        ("docker-compose.production.yaml", Some("production")),
        ("quickstart-postgres.yml", Some("quickstart-postgres")),
        ("compose.yml", None),
    ] {
        assert_eq!(file_label(Path::new(file)).as_deref(), label, "{file}");
    }
}
