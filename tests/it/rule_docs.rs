//! Every rule's document runs: the files of its "Bad" section, written into
//! a tree, produce that rule's finding, and those of its "Good" section do
//! not. A code block belongs to the example when its info string names a
//! path after the language (```` ```yaml platform/prod/compose.yml ````).

use crate::common;

/// (path, text) of the files of one section of a document.
fn section_files(doc: &str, section: &str) -> Vec<(String, String)> {
    let start = doc.find(&format!("\n## {section}\n"));
    let Some(start) = start else {
        return Vec::new();
    };
    let rest = &doc[start + section.len() + 5..];
    let body = rest.split("\n## ").next().unwrap_or("");
    let mut files = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let (_lang, path) = (words.next(), words.next());
        let mut text = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        if let Some(path) = path {
            files.push((path.to_string(), text));
        }
    }
    files
}

fn codes_for(files: &[(String, String)]) -> Vec<String> {
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let dir = common::write_tree(&files);
    common::findings(dir.path())
        .into_iter()
        .map(|(code, _, _)| code)
        .collect()
}

#[test]
fn every_document_has_examples_that_run() {
    for rule in isolint::rules::Registry::default().all() {
        let doc = rule.document();
        let bad = section_files(&doc, "Bad");
        let good = section_files(&doc, "Good");
        assert!(!bad.is_empty(), "{}: no runnable Bad example", rule.code);
        assert!(!good.is_empty(), "{}: no runnable Good example", rule.code);
        let found = codes_for(&bad);
        assert!(
            found.iter().any(|c| c == rule.code),
            "{}: the Bad example gives {found:?}",
            rule.code
        );
        let found = codes_for(&good);
        assert!(
            !found.iter().any(|c| c == rule.code),
            "{}: the Good example gives {found:?}",
            rule.code
        );
    }
}
