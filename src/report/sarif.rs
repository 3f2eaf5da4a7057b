//! The `sarif` format: SARIF 2.1.0 through the `serde-sarif` types, for
//! GitHub code scanning and other SARIF viewers.
//!
//! Every rule is described (with its document as help and a link to it),
//! every result carries its primary and related locations, and a partial
//! fingerprint that does not depend on line numbers, so a finding keeps
//! its identity when lines above it move.

use crate::diag::{Diagnostic, Label, Severity};
use crate::syntax::source::{SourceMap, Span};
use serde_sarif::sarif;
use std::collections::BTreeMap;
use std::path::Path;

fn level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// A file's URI for SARIF: relative paths percent-encoded against
/// `%SRCROOT%` (the directory isolint ran in), others as `file://` URIs;
/// `None` for what is no file (a `--var` value).
fn artifact(sources: &SourceMap, span: Span) -> Option<sarif::ArtifactLocation> {
    if !sources.path(span.file).exists() {
        return None;
    }
    let shown = sources.display_path(span.file);
    if Path::new(&shown).is_absolute() {
        let url = url::Url::from_file_path(&shown).ok()?;
        return Some(sarif::ArtifactLocation::builder().uri(url.as_str()).build());
    }
    let encoded: Vec<String> = shown
        .split('/')
        .map(|segment| percent_encoding::utf8_percent_encode(segment, SEGMENT).to_string())
        .collect();
    Some(
        sarif::ArtifactLocation::builder()
            .uri(encoded.join("/"))
            .uri_base_id("%SRCROOT%")
            .build(),
    )
}

/// What a path segment keeps unencoded: RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn location(
    sources: &SourceMap,
    span: Span,
    message: Option<&str>,
    id: Option<i64>,
) -> Option<sarif::Location> {
    let pos = sources.position(span);
    let region = sarif::Region::builder()
        .start_line(pos.line as i64)
        .start_column(pos.column as i64)
        .end_line(pos.end_line as i64)
        .end_column(pos.end_column as i64)
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(artifact(sources, span)?)
        .region(region)
        .build();
    Some(match (message, id) {
        (Some(m), Some(id)) => sarif::Location::builder()
            .id(id)
            .physical_location(physical)
            .message(sarif::Message::builder().text(m).build())
            .build(),
        _ => sarif::Location::builder()
            .physical_location(physical)
            .build(),
    })
}

/// The run as SARIF; `rules` are every rule the run knew, listed as
/// the tool's.
pub fn render(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    rules: &[crate::rules::RuleMeta],
    exit_code: i32,
) -> String {
    let all = rules;
    let rules: Vec<sarif::ReportingDescriptor> = all
        .iter()
        .map(|r| {
            let config = sarif::ReportingConfiguration::builder()
                .level(serde_json::json!(match level(r.severity) {
                    sarif::ResultLevel::Error => "error",
                    sarif::ResultLevel::Warning => "warning",
                    _ => "note",
                }))
                .build();
            let doc = r.document();
            let help = sarif::MultiformatMessageString::builder()
                .text(&doc)
                .markdown(&doc)
                .build();
            let short = sarif::MultiformatMessageString::builder()
                .text(r.summary)
                .build();
            match r.doc_url() {
                Some(uri) => sarif::ReportingDescriptor::builder()
                    .id(r.code)
                    .name(r.name)
                    .short_description(short)
                    .help(help)
                    .help_uri(uri)
                    .default_configuration(config)
                    .build(),
                None => sarif::ReportingDescriptor::builder()
                    .id(r.code)
                    .name(r.name)
                    .short_description(short)
                    .help(help)
                    .default_configuration(config)
                    .build(),
            }
        })
        .collect();
    let prints = super::fingerprints(sources, diagnostics, &|p| {
        crate::syntax::source::display_path(p)
    });
    let results: Vec<sarif::Result> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| {
            let related: Vec<sarif::Location> = d
                .related
                .iter()
                .enumerate()
                .filter_map(|(i, Label { span, message, .. })| {
                    location(sources, *span, Some(message), Some(i as i64 + 1))
                })
                .collect();
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert("isolint/v1".to_string(), print);
            // SARIF's -1: no rule of the run's list (never rule 0 by mistake).
            let rule_index = all
                .iter()
                .position(|r| r.code == d.code)
                .map_or(-1, |i| i as i64);
            let message = match &d.help {
                Some(help) => format!("{}\n{help}", d.message),
                None => d.message.clone(),
            };
            sarif::Result::builder()
                .rule_id(d.code)
                .rule_index(rule_index)
                .level(level(d.severity))
                .message(sarif::Message::builder().text(message).build())
                .locations(
                    location(sources, d.primary.span, None, None)
                        .into_iter()
                        .collect::<Vec<_>>(),
                )
                .related_locations(related)
                .partial_fingerprints(fingerprints)
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("isolint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(rules)
        .build();
    let invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .exit_code(i64::from(exit_code))
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let log = sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}
