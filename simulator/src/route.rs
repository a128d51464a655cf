//! [`Route`]: every endpoint the simulator serves. The API routes are the SDK's operations
//! (`mde_machine_actions::operations::ALL`, the MachineAction methods and the read-only Machine
//! lookups), so their names, verbs, paths and quotas come from the spec. The token endpoint and
//! the download route are the simulator's own.
//!
//! Routes key the rate limits, the fault rules and the request statistics.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use mde_machine_actions::operations;
// The one place the simulator names the SDK's runtime types.
#[cfg(test)]
pub(crate) use mde_machine_actions::Verb;
pub(crate) use mde_machine_actions::{Operation, RateLimit};

/// Every API operation the simulator serves: the SDK's, in spec order.
pub fn api_operations() -> impl Iterator<Item = &'static Operation> {
    operations::ALL.iter().copied()
}

/// One endpoint of the simulator: an operation of the API, the OAuth2 token endpoint, or the
/// download route behind the signed links.
///
/// An API route converts from the SDK's operation constant, so anything that takes
/// `impl Into<Route>` also takes `&operations::ISOLATE_MACHINE`. Two routes are equal when
/// they name the same endpoint.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Route {
    /// An operation of the API, as the SDK describes it (`&operations::ISOLATE_MACHINE`, ...):
    /// it needs a bearer token and has the quotas the spec documents.
    Api(&'static Operation),
    /// `POST /{tenant}/oauth2/v2.0/token`: the local OAuth2 client-credentials endpoint.
    Token,
    /// `GET /safedownload/...` and `GET /investigation-actions-data/...`: the signed links.
    Download,
}

impl Route {
    /// Every route: the API operations ([`api_operations`]), then the token and download
    /// routes.
    pub fn all() -> impl Iterator<Item = Route> {
        api_operations().map(Route::Api).chain([Route::Token, Route::Download])
    }

    /// The operation's name as the spec and the SDK spell it (`isolateMachine`, ...); `token`
    /// and `download` for the two routes outside the API.
    pub fn name(self) -> &'static str {
        match self {
            Route::Api(operation) => operation.name,
            Route::Token => "token",
            Route::Download => "download",
        }
    }

    /// The operation of an API route.
    pub fn operation(self) -> Option<&'static Operation> {
        match self {
            Route::Api(operation) => Some(operation),
            Route::Token | Route::Download => None,
        }
    }

    /// True for the operations of the API (they need a bearer token and are rate limited).
    pub fn is_api(self) -> bool {
        matches!(self, Route::Api(_))
    }

    /// The quotas the spec documents for the route; none for the token and download routes.
    pub fn rate_limits(self) -> &'static [RateLimit] {
        self.operation().map_or(&[], |operation| operation.rate_limits)
    }

    /// True when the simulator has a handler for the route. An API operation without one is
    /// answered with 501 Not Implemented.
    pub fn is_handled(self) -> bool {
        match self {
            Route::Api(operation) => crate::routes::handler(operation.name).is_some(),
            Route::Token | Route::Download => true,
        }
    }

    /// The route of an SDK operation name (`isolateMachine`), or of `token` / `download`.
    pub fn from_name(name: &str) -> Option<Route> {
        Route::all().find(|route| route.name() == name)
    }

    /// What orders and identifies a route: API routes first, by name (names are unique in the
    /// spec).
    fn key(self) -> (u8, &'static str) {
        let rank = match self {
            Route::Api(_) => 0,
            Route::Token => 1,
            Route::Download => 2,
        };
        (rank, self.name())
    }
}

impl From<&'static Operation> for Route {
    fn from(operation: &'static Operation) -> Self {
        Route::Api(operation)
    }
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Route {}

impl PartialOrd for Route {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Route {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl Hash for Route {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Route::Api(operation) => f.debug_tuple("Api").field(&operation.name).finish(),
            Route::Token => f.write_str("Token"),
            Route::Download => f.write_str("Download"),
        }
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_the_operations_then_token_and_download() {
        let names: Vec<&str> = Route::all().map(Route::name).collect();
        assert_eq!(names.len(), operations::ALL.len() + 2);
        for name in ["listMachines", "getMachine", "findMachinesByIp", "findMachinesByTag"] {
            let route = Route::from_name(name).expect(name);
            assert_eq!(route.rate_limits().len(), 2, "{name}: per minute and per hour");
            assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name} once");
        }
        assert_eq!(names[0], operations::ALL[0].name);
        assert_eq!(names[names.len() - 2..], ["token", "download"]);
        let isolate = Route::from(&operations::ISOLATE_MACHINE);
        assert_eq!(Route::from_name("isolateMachine"), Some(isolate));
        assert_eq!(Route::from_name("IsolateMachine"), None);
        assert_eq!(Route::from_name("token"), Some(Route::Token));
        assert!(isolate.is_api() && !Route::Token.is_api());
        assert_eq!(isolate.rate_limits(), operations::ISOLATE_MACHINE.rate_limits);
        assert!(Route::Download.rate_limits().is_empty());
        assert_eq!(format!("{isolate:?} {isolate}"), "Api(\"isolateMachine\") isolateMachine");
        assert!(isolate < Route::Token && Route::Token < Route::Download);
    }
}
