//! Front ends that know text, not platforms: every node carries its span.
//! `value` is the text of a configuration value with its `${VAR}` pieces
//! and provenance, and `redact` what of such text must never be shown.
//! `yaml`, `json` and `toml` read configuration files into one spanned
//! tree ([`yaml::Node`]); `shell` guards brush-parser against nesting
//! deep enough to overflow its stack.

pub mod caddyfile;
pub mod json;
pub mod redact;
pub mod shell;
pub mod source;
pub mod toml;
pub mod value;
pub mod yaml;
