use super::*;

#[test]
fn rules_are_found_by_code_or_name() {
    let rules = Registry::default();
    assert_eq!(rules.find("parse-error").map(|r| r.code), Some("CFG001"));
    assert_eq!(rules.find("cfg001").map(|r| r.name), Some("parse-error"));
    assert_eq!(rules.find("dev-mode").map(|r| r.code), Some("SEC004"));
    let codes: Vec<&str> = rules.all().iter().map(|r| r.code).collect();
    let mut unique = codes.clone();
    unique.dedup();
    assert_eq!(codes, unique, "two rules share a code");
}

fn merged(messages: &[&str]) -> Vec<String> {
    let span = crate::syntax::source::Span::new(crate::syntax::source::FileId(0), 3, 9);
    let mut out: Vec<Diagnostic> = messages
        .iter()
        .map(|m| Diagnostic {
            code: "ISO005",
            name: "crossed-service-url",
            severity: crate::diag::Severity::Error,
            message: m.to_string(),
            primary: crate::diag::Label::new(span, "here"),
            related: Vec::new(),
            help: None,
            environment: None,
        })
        .collect();
    merge_same_fact(&mut out);
    out.into_iter().map(|d| d.message).collect()
}

#[test]
fn one_token_one_finding_in_plain_words() {
    assert_eq!(
        merged(&[
            "ciam-kratos (CIAM) is configured with X pointing at iam-hydra (IAM)",
            "ciam-kratos-migrate (CIAM) is configured with X pointing at iam-hydra (IAM)",
            "ciam-courier (CIAM) is configured with X pointing at iam-hydra (IAM)",
        ]),
        [
            "ciam-kratos, ciam-kratos-migrate and ciam-courier (CIAM) are configured with X pointing at iam-hydra (IAM)"
        ]
    );
    assert_eq!(
        merged(&[
            "the CIAM site a proxies to x, an IAM upstream",
            "the CIAM site b proxies to x, an IAM upstream",
        ]),
        ["the CIAM sites a and b proxy to x, an IAM upstream"]
    );
    assert_eq!(
        merged(&[
            "app (CIAM) is configured with OAuth2 client x (SITE_CLIENT_ID), which is registered",
            "app (CIAM) is configured with OAuth2 client x (NEXT_PUBLIC_CLIENT_ID), which is registered",
        ]),
        [
            "app (CIAM) is configured with OAuth2 client x (SITE_CLIENT_ID and NEXT_PUBLIC_CLIENT_ID), which is registered"
        ]
    );
    // Two facts at one token stay two.
    assert_eq!(
        merged(&["a points at b (IAM)", "a points at c (CIAM) too"]).len(),
        2
    );
}

#[test]
fn selectors_are_codes_names_prefixes_or_all() {
    let rules = Registry::default();
    let selects = |s: &str, c: &str| rules.selects(s, c);
    let is_selector = |s: &str| rules.is_selector(s);
    assert!(selects("ISO003", "ISO003"));
    assert!(selects("iso", "ISO003"));
    assert!(selects("crossed-upstream", "ISO003"));
    assert!(selects("ALL", "SEC001"));
    assert!(!selects("ISO0031", "ISO003"));
    assert!(!selects("SEC", "ISO003"));
    assert!(is_selector("SEC00") && is_selector("dev-mode"));
    assert!(!is_selector("ISO099") && !is_selector("XYZ") && !is_selector(""));
}
