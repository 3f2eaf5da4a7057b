//! The file's schema as written: strict keys (serde's `deny_unknown_fields`,
//! with a did-you-mean), spanned strings for diagnostics; the JSON Schema
//! of `isolint.toml` is generated from it.

use crate::syntax::source::Span;

/// A string with where it is written, for diagnostics.
pub(super) type Text = toml::Spanned<String>;

/// The span of a string in the file, inside its quotes.
pub(super) fn span_of(id: crate::syntax::source::FileId, text: &str, s: &Text) -> Span {
    let r = s.span();
    let quoted = text
        .get(r.clone())
        .is_some_and(|t| t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'')));
    if quoted {
        Span::new(id, r.start + 1, r.end - 1)
    } else {
        Span::new(id, r.start, r.end)
    }
}

/// The file's shape; `isolint config-schema` prints its JSON Schema.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "isolint.toml")]
pub struct Raw {
    /// Seed scripts besides `*seed*.sh` and the scripts services mount.
    #[serde(default)]
    pub(super) seed: RawSeed,
    /// More environment folders and profiles (`[environments]`), or
    /// compose stacks described as `-f` runs them (`[[environments]]`).
    #[serde(default)]
    pub(super) environments: RawEnvironmentsAny,
    /// How compose files are read.
    #[serde(default)]
    pub(super) compose: RawCompose,
    /// Only these rules: codes, names, code prefixes or `ALL` (a
    /// `--select` on the command line starts over).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) select: Vec<Text>,
    /// A baseline file (relative to this file): the findings it holds are
    /// known, reported but not failing (`check --write-baseline` makes it).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(super) baseline: Option<Text>,
    /// Deploy-time values for every check under this file.
    #[serde(default)]
    pub(super) check: RawCheck,
    /// Never these rules (an `--ignore` on the command line adds to them).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) ignore: Vec<Text>,
    /// Rules ignored in the files a glob (relative to this file) matches.
    #[serde(default, rename = "per-path-ignores")]
    #[schemars(with = "std::collections::BTreeMap<String, Vec<String>>")]
    pub(super) per_path_ignores: std::collections::BTreeMap<Text, Vec<Text>>,
    /// Severity per rule (`ISO008 = "error"`), and per profile
    /// (`[severity.dev] ISO003 = "warning"`).
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, RawSeverity>")]
    pub(super) severity: std::collections::BTreeMap<Text, RawSeverity>,
    /// Folders of the user's declarative rules.
    #[serde(default)]
    pub(super) rules: RawRules,
    #[serde(default)]
    pub(super) domains: Vec<RawDomain>,
    #[serde(default)]
    pub(super) shared: Vec<RawShared>,
    #[serde(default)]
    pub(super) exceptions: Vec<RawException>,
}

/// `[check]`: deploy-time values, as `--env-file` and `--var` give them
/// (the command line's win), for the command line and the editor alike.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    /// Env files (relative to this file), read in order.
    #[serde(default, rename = "env-files")]
    pub(super) env_files: Vec<String>,
    /// Values by name.
    #[serde(default)]
    pub(super) vars: std::collections::BTreeMap<String, String>,
}

/// `[[shared]]`: `database = "..."` or `secret = "..."`, with a reason.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShared {
    pub(super) database: Option<String>,
    pub(super) secret: Option<String>,
    /// Why it is shared; required, not empty.
    #[schemars(with = "String")]
    pub(super) reason: toml::Spanned<String>,
}

/// `[[exceptions]]`: an app role of one domain reaching the other's
/// identity provider through the keys listed, with a reason.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawException {
    pub(super) from: String,
    pub(super) role: String,
    pub(super) keys: Vec<String>,
    pub(super) to: String,
    /// Why it is allowed; required, not empty.
    #[schemars(with = "String")]
    pub(super) reason: toml::Spanned<String>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDomain {
    pub(super) name: String,
    #[serde(default)]
    pub(super) names: Vec<String>,
    #[serde(default)]
    pub(super) hosts: Vec<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) ports: Vec<Text>,
}

/// A severity, or (under a profile name) severities per rule.
#[derive(Debug, schemars::JsonSchema)]
#[schemars(untagged)]
pub(super) enum RawSeverity {
    One(Level),
    Profile(
        #[schemars(with = "std::collections::BTreeMap<String, Level>")]
        std::collections::BTreeMap<Text, Level>,
    ),
}

/// By hand rather than `untagged`, so a misspelt level gets serde's
/// "unknown variant" error (and a suggestion), not "did not match any
/// variant".
impl<'de> serde::Deserialize<'de> for RawSeverity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawSeverity;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"error\", \"warning\" or \"info\", or a table of them per rule")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawSeverity, E> {
                use serde::Deserialize;
                use serde::de::IntoDeserializer;
                Level::deserialize(v.into_deserializer()).map(RawSeverity::One)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawSeverity, A::Error> {
                use serde::Deserialize;
                let inner = serde::de::value::MapAccessDeserializer::new(map);
                std::collections::BTreeMap::deserialize(inner).map(RawSeverity::Profile)
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Debug, Clone, Copy, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum Level {
    Error,
    Warning,
    Info,
}

impl From<Level> for crate::diag::Severity {
    fn from(l: Level) -> Self {
        match l {
            Level::Error => crate::diag::Severity::Error,
            Level::Warning => crate::diag::Severity::Warning,
            Level::Info => crate::diag::Severity::Info,
        }
    }
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnvironments {
    /// Folders (globs relative to this file) that are environments besides
    /// `platform/<env>/` and those holding compose files.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) globs: Vec<Text>,
    /// The profile of an environment by its folder name (`qa = "prod"`);
    /// `prod`, `production`, `staging`, `dev`, `local` and `development`
    /// need no entry.
    #[serde(default)]
    pub(super) profiles: std::collections::BTreeMap<String, RawProfile>,
}

/// `[environments]` (a table) or `[[environments]]` (entries).
#[derive(Debug, schemars::JsonSchema)]
#[serde(untagged)]
pub(super) enum RawEnvironmentsAny {
    Table(RawEnvironments),
    List(Vec<RawStack>),
}

impl Default for RawEnvironmentsAny {
    fn default() -> Self {
        RawEnvironmentsAny::Table(RawEnvironments::default())
    }
}

/// Dispatches on the shape, so each form keeps its own error messages
/// (an untagged enum would only say that neither matched).
impl<'de> serde::Deserialize<'de> for RawEnvironmentsAny {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawEnvironmentsAny;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an [environments] table or [[environments]] entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawEnvironmentsAny::Table)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(RawEnvironmentsAny::List)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One `[[environments]]` entry: a stack of compose files (`files`),
/// folders that are environments (`globs`), or, with only a `name`, what
/// is known of a discovered environment of that name.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawStack {
    /// The environment's name (default: the last file's, as
    /// `quickstart-postgres` for `quickstart-postgres.yml`).
    #[schemars(with = "Option<String>")]
    pub(super) name: Option<Text>,
    /// Compose files (relative to this file), merged in order as
    /// `docker compose -f a -f b` merges them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) files: Vec<Text>,
    /// Folders (globs relative to this file) that are environments.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) globs: Vec<Text>,
    pub(super) profile: Option<RawProfile>,
    /// Deploy-time values (`.env` syntax, relative to this file), read as
    /// `--env-file` is, after the project's `.env`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) env_files: Vec<Text>,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawCompose {
    /// `env_file`s (globs relative to this file) that must be in the tree:
    /// a missing one is CFG001. Any other missing `env_file` is taken as a
    /// secret kept out of git (its values are deploy-time: CFG002).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) required_env_files: Vec<Text>,
}

#[derive(Debug, Clone, Copy, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawProfile {
    Prod,
    Dev,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRules {
    /// Folders (relative to this file) of rule files (`*.yml`, `*.yaml`,
    /// `*.toml`), each with an optional `NAME.md` document.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) folders: Vec<Text>,
}

#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSeed {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub(super) scripts: Vec<Text>,
}

impl From<RawProfile> for crate::model::Profile {
    fn from(p: RawProfile) -> Self {
        match p {
            RawProfile::Prod => crate::model::Profile::Prod,
            RawProfile::Dev => crate::model::Profile::Dev,
        }
    }
}

/// The JSON Schema of `isolint.toml`, for editors.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Raw);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
