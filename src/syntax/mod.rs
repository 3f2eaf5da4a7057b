//! Front ends that know text, not platforms: every node carries its span.

pub mod caddyfile;
pub mod source;
pub mod toml;
pub mod yaml;
