use super::*;

#[test]
fn every_builtin_rule_reads() {
    let sources = SourceMap::new();
    for (name, text, doc) in BUILTIN {
        let id = sources.add(*name, *text);
        if let Err(d) = read_file(name, text, id, Some(crate::rules::Doc::Body(doc))) {
            panic!("{name}: {}", d.message);
        }
    }
    assert_eq!(builtin().len(), BUILTIN.len());
}

#[test]
fn rule_file_mistakes_point_at_the_key() {
    let sources = SourceMap::new();
    let text = "code: ORG001\nname: x\nseverity: error\nsummary: s\nmessage: m\nselect:\n  confg: dsn\nwhen:\n  equals: x\n";
    let id = sources.add("r.yml", text);
    let err = read_file("r.yml", text, id, None).err();
    let err = err.unwrap_or_else(|| panic!("accepted"));
    assert_eq!(err.code, crate::diag::PARSE_ERROR.code);
    assert_eq!(
        err.primary.span.start as usize,
        text.find("confg").unwrap_or(0)
    );
    assert_eq!(err.help.as_deref(), Some("did you mean `config`?"));
    let bad_message = text
        .replace("message: m", "message: \"{servce} x\"")
        .replace("confg", "config");
    let id = sources.add("r.yml", bad_message.as_str());
    let err = read_file("r.yml", &bad_message, id, None).err();
    let message = err.map(|d| d.message).unwrap_or_default();
    assert!(message.contains("did you mean {service}?"), "{message}");
}

#[test]
fn templates_fill_and_leave_other_braces() {
    let t = Template::parse("{service} sets {key} = {value} {not a field} {")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.pieces.len(), 4);
    assert!(Template::parse("{nope}").is_err());
}
