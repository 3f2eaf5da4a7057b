use super::*;

/// A CFG001 whose file is `path`.
fn reported(sources: &SourceMap, diagnostics: &[Diagnostic], path: &Path) -> bool {
    diagnostics.iter().any(|d| {
        d.code == crate::diag::PARSE_ERROR.code && sources.path(d.primary.span.file) == path
    })
}

/// Files listed by the walk but deleted before they are read (another
/// process at work in the tree) are reported where they were, never
/// skipped in silence; a deleted environment folder is simply empty.
#[test]
fn files_deleted_after_the_walk_are_reported() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = dir.path().join("prod");
    std::fs::create_dir_all(&env).unwrap_or_else(|e| panic!("{e}"));
    let caddyfile = dir.path().join("Caddyfile");
    let compose = env.join("compose.yml");
    std::fs::write(&caddyfile, "a.example.com {\n\trespond ok\n}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&compose, "services:\n  caddy:\n    image: caddy:2\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let scope = Scope::for_path(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let listing = list_tree(dir.path(), Default::default(), &Default::default());
    assert_eq!(listing.caddyfiles, std::slice::from_ref(&caddyfile));
    assert_eq!(listing.compose, std::slice::from_ref(&compose));

    std::fs::remove_file(&caddyfile).unwrap_or_else(|e| panic!("{e}"));
    let sources = SourceMap::new();
    let loaded = load_caddyfiles(&sources, dir.path(), &Env::new(), listing.caddyfiles, &[])
        .unwrap_or_else(|e| panic!("{}", e.0));
    let diagnostics: Vec<Diagnostic> = loaded
        .into_iter()
        .flat_map(|(c, _)| c.diagnostics)
        .collect();
    assert!(
        reported(&sources, &diagnostics, &caddyfile),
        "{diagnostics:?}"
    );

    std::fs::remove_file(&compose).unwrap_or_else(|e| panic!("{e}"));
    let c = crate::load::compose::load(&sources, &scope, &compose, &Default::default());
    assert!(
        reported(&sources, &c.diagnostics, &compose),
        "{:?}",
        c.diagnostics
    );

    std::fs::remove_dir(&env).unwrap_or_else(|e| panic!("{e}"));
    let mut diagnostics = Vec::new();
    let built = environment(
        &sources,
        &scope,
        &Default::default(),
        &Stack::of_folder(&env),
        &Default::default(),
        &mut diagnostics,
    );
    assert!(
        built.services.is_empty() && diagnostics.is_empty(),
        "{diagnostics:?}"
    );
}

#[test]
fn the_command_lines_values_win_over_the_configurations() {
    let sources = SourceMap::new();
    let mut configured = Given::default();
    configured.add_var(
        &sources,
        "HOST",
        "configured.example.com",
        "[check] vars.HOST".into(),
    );
    configured.add_var(&sources, "ONLY", "kept", "[check] vars.ONLY".into());
    let mut given = Given::default();
    given.add_var(&sources, "HOST", "flag.example.com", "--var HOST".into());
    let merged = configured.under(&given);
    assert_eq!(
        merged.env.get("HOST").map(String::as_str),
        Some("flag.example.com")
    );
    assert_eq!(merged.env.get("ONLY").map(String::as_str), Some("kept"));
    assert_eq!(
        merged.vars.get("HOST").and_then(|v| v.text()).as_deref(),
        Some("flag.example.com")
    );
}
