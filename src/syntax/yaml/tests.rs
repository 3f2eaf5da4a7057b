use super::*;

fn doc(src: &str) -> Node {
    match parse(FileId(0), src) {
        Ok(mut docs) if !docs.is_empty() => docs.remove(0),
        Ok(_) => panic!("no document"),
        Err(d) => panic!("{}", d.message),
    }
}

fn err(src: &str) -> Diagnostic {
    match parse(FileId(0), src) {
        Ok(_) => panic!("expected an error"),
        Err(d) => d,
    }
}

fn slice(src: &str, span: Span) -> &str {
    src.get(span.start as usize..span.end as usize)
        .unwrap_or("")
}

#[test]
fn spans_of_keys_and_values_are_exact() {
    let src =
        "session:\n  cookie:\n    domain: \"ciam.example.com\"\n    name: ory_kratos_session\n";
    let root = doc(src);
    let domain = root.get("session.cookie.domain");
    assert_eq!(domain.and_then(Node::as_str), Some("ciam.example.com"));
    assert_eq!(
        domain.map(|n| slice(src, n.span)),
        Some("\"ciam.example.com\"")
    );
    let entry = root.get("session.cookie").and_then(|c| c.entry("name"));
    assert_eq!(entry.map(|e| slice(src, e.key.span)), Some("name"));
}

#[test]
fn list_indices_and_non_ascii_text() {
    let src = "# ünïcode\nurls:\n  - https://a.example\n  - https://ß.example\n";
    let root = doc(src);
    assert_eq!(
        root.get("urls[1]").and_then(Node::as_str),
        Some("https://ß.example")
    );
    assert_eq!(
        root.get("urls.1").map(|n| slice(src, n.span)),
        Some("https://ß.example")
    );
    assert!(root.get("urls.2").is_none());
}

#[test]
fn aliases_copy_with_the_anchor_spans_and_remember_the_alias() {
    let src = "x-env: &env\n  DSN: postgres://db\nservices:\n  a:\n    environment: *env\n";
    let root = doc(src);
    let env = root.get("services.a.environment");
    assert_eq!(
        env.and_then(|e| e.get("DSN")).and_then(Node::as_str),
        Some("postgres://db")
    );
    assert_eq!(
        env.and_then(|e| e.alias).map(|s| slice(src, s)),
        Some("*env")
    );
    assert_eq!(
        env.and_then(|e| e.get("DSN")).map(|n| slice(src, n.span)),
        Some("postgres://db")
    );
}

#[test]
fn merge_keys_fill_in_what_the_mapping_does_not_set() {
    let src = "base: &b\n  image: ory/kratos:v1\n  restart: always\nsvc:\n  <<: *b\n  image: ory/kratos:v2\n";
    let root = doc(src);
    assert_eq!(
        root.get("svc.image").and_then(Node::as_str),
        Some("ory/kratos:v2")
    );
    let restart = root.get("svc").and_then(|s| s.entry("restart"));
    assert_eq!(restart.and_then(|e| e.value.as_str()), Some("always"));
    assert_eq!(
        restart.and_then(|e| e.merged).map(|s| slice(src, s)),
        Some("*b")
    );
}

#[test]
fn booleans_are_real_only_when_plain() {
    let root = doc("a: true\nb: \"true\"\nc: !!str true\nd: FALSE\ne: yes\n");
    let b = |k: &str| root.get(k).and_then(Node::as_bool);
    assert_eq!(
        (b("a"), b("b"), b("c"), b("d"), b("e")),
        (Some(true), None, None, Some(false), None)
    );
}

#[test]
fn duplicate_keys_are_reported_with_both_spans() {
    let src = "dsn: a\nlog:\n  level: info\ndsn: b\n";
    let d = err(src);
    assert!(d.message.contains("duplicate key 'dsn'"), "{}", d.message);
    assert_eq!(slice(src, d.primary.span), "dsn");
    assert_eq!(d.primary.span.start, 26);
    assert_eq!(d.related.first().map(|r| r.span.start), Some(0));
}

#[test]
fn duplicate_keys_are_found_in_large_mappings_too() {
    // Past INDEX_FROM keys the check uses an index: both a key before
    // the index was built and one after it must be found.
    for (dup, at) in [("k3", 40), ("k35", 45)] {
        let mut src = String::new();
        for i in 0..50 {
            let key = if i == at {
                dup.to_string()
            } else {
                format!("k{i}")
            };
            src.push_str(&format!("{key}: {i}\n"));
        }
        let d = err(&src);
        assert!(
            d.message.contains(&format!("duplicate key '{dup}'")),
            "{}",
            d.message
        );
        let first = src.find(&format!("{dup}:")).unwrap_or(usize::MAX);
        assert_eq!(
            d.related.first().map(|r| r.span.start as usize),
            Some(first)
        );
    }
    let ok: String = (0..50).map(|i| format!("k{i}: {i}\n")).collect();
    assert!(parse(FileId(0), &ok).is_ok());
}

#[test]
fn alias_bombs_are_refused_quickly() {
    let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        src.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    let started = std::time::Instant::now();
    let d = err(&src);
    assert!(d.message.contains("alias bomb"), "{}", d.message);
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn syntax_errors_and_deep_nesting_are_diagnostics() {
    let d = err("a: [1, 2\nb: 3\n");
    assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let d = err(&deep);
    assert!(
        d.message.contains("nested deeper") || d.message.contains("recursion"),
        "{}",
        d.message
    );
    assert!(err("a:\n\tb: 1\n").message.starts_with("invalid YAML"));
}

#[test]
fn multiple_documents() {
    let docs = parse(FileId(0), "a: 1\n---\nb: 2\n").unwrap_or_default();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs.get(1).and_then(|d| d.get("b")).and_then(Node::as_str),
        Some("2")
    );
}
