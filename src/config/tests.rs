use super::*;
use crate::syntax::source::SourceMap;

#[test]
fn seed_globs_are_relative_to_the_file_and_errors_have_spans() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join(FILE_NAME);
    std::fs::write(&path, "[seed]\nscripts = [\"platform/*/boot/*.sh\"]\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let sources = SourceMap::new();
    let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
    assert!(config.is_seed_script(&config.dir.join("platform/prod/boot/clients.sh")));
    assert!(!config.is_seed_script(&config.dir.join("platform/prod/other.sh")));
    assert!(!config.is_seed_script(&config.dir.join("platform/prod/x/boot/deeper.sh")));
    let sub = dir.path().join("platform/prod");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&sub), path.canonicalize().ok());

    std::fs::write(&path, "[seed]\nscripts = \"not a list\"\n").unwrap_or_else(|e| panic!("{e}"));
    let d = load(&sources, &path)
        .err()
        .unwrap_or_else(|| panic!("expected an error"));
    assert!(
        d.message.starts_with("invalid isolint.toml"),
        "{}",
        d.message
    );
    assert_eq!(d.primary.span.start, 17);

    std::fs::write(
        &path,
        "[[domains]]\nname = \"shop\"\nhosts = [\"*.shop.example\"]\nports = [\"5000-5999\"]\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
    let domains = &config.policy.domains;
    assert_eq!(domains.of_name("shop-hera"), Some("shop"));
    assert_eq!(domains.of_host("login.shop.example"), Some("shop"));
    assert_eq!(domains.of_port(5001), Some("shop"));
    assert_eq!(domains.of_name("ciam-hera"), None);

    std::fs::write(
        &path,
        "[[shared]]\ndatabase = \"settings\"\nreason = \"one settings DB\"\n[[exceptions]]\nfrom = \"ciam\"\nrole = \"console\"\nkeys = [\"IAM_\"]\nto = \"iam\"\nreason = \"operators\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = load(&sources, &path).unwrap_or_else(|d| panic!("{}", d.message));
    assert!(config.policy.is_shared_database("settings"));
    assert!(!config.policy.is_shared_database("olympus"));
    assert!(
        config
            .policy
            .excepted("ciam-console", "ciam", "IAM_KRATOS_URL", "iam")
    );
    assert!(
        !config
            .policy
            .excepted("ciam-athena", "ciam", "IAM_KRATOS_URL", "iam")
    );
    std::fs::write(&path, "[[shared]]\ndatabase = \"x\"\n").unwrap_or_else(|e| panic!("{e}"));
    let d = load(&sources, &path)
        .err()
        .map(|d| d.message)
        .unwrap_or_default();
    assert!(
        d.contains("reason"),
        "a shared component needs its reason: {d}"
    );
}
