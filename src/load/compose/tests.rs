use super::*;
use crate::syntax::source::Span;

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

#[test]
fn short_ports() {
    let p = |s: &str| {
        let p = short_port(s, span());
        (p.host_ip, p.published, p.target, p.protocol)
    };
    let o = |s: &str| Some(s.to_string());
    assert_eq!(p("3000"), (None, None, "3000".into(), "tcp".into()));
    assert_eq!(
        p("3000:3000"),
        (None, o("3000"), "3000".into(), "tcp".into())
    );
    assert_eq!(
        p("127.0.0.1:4433:4433/udp"),
        (o("127.0.0.1"), o("4433"), "4433".into(), "udp".into())
    );
    assert_eq!(
        p("3000-3005:3000-3005"),
        (None, o("3000-3005"), "3000-3005".into(), "tcp".into())
    );
    assert_eq!(
        p("[::1]:80:8080"),
        (o("::1"), o("80"), "8080".into(), "tcp".into())
    );
}

#[test]
fn short_volumes() {
    let v = short_volume("./ciam-kratos:/etc/config/kratos:ro", span());
    assert_eq!(
        (v.kind, v.source.as_deref(), v.target.as_str(), v.read_only),
        (
            VolumeKind::Bind,
            Some("./ciam-kratos"),
            "/etc/config/kratos",
            true
        )
    );
    let v = short_volume("pgdata:/var/lib/postgresql/data", span());
    assert_eq!((v.kind, v.read_only), (VolumeKind::Volume, false));
    assert_eq!(short_volume("/data", span()).source, None);
}

#[test]
fn command_strings_split_outside_quotes() {
    let text = "serve -c /etc/config/kratos/kratos.yml  --dev 'a b' \"c d\"";
    let words = split_words(text);
    let texts: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "serve",
            "-c",
            "/etc/config/kratos/kratos.yml",
            "--dev",
            "a b",
            "c d"
        ]
    );
    let ranges: Vec<Option<&str>> = words.iter().map(|(_, r)| text.get(r.clone())).collect();
    assert_eq!(ranges[3], Some("--dev"));
    assert_eq!(ranges[4], Some("'a b'"));
}
