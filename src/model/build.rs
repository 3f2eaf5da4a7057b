//! The pure half of building an environment: what
//! `crate::load::environment` read, named and profiled. Its domains and
//! references are resolved on first ask ([`Environment::resolved`]).

use super::{Environment, Profile};
use crate::load::environment::Loaded;

/// The environment of a folder named `name`, with its profile.
pub fn environment(loaded: Loaded, name: Option<String>, profile: Option<Profile>) -> Environment {
    Environment {
        name,
        profile,
        sites: loaded.sites,
        services: loaded.services,
        oauth2_clients: loaded.oauth2_clients,
        init_sql: loaded.init_sql,
        resolved: Default::default(),
    }
}
