//! Bearer-token checks for the API and the tokens the local token endpoint issues.
//!
//! The API accepts the simulator's fixed token and any unexpired token from its token
//! endpoint. A token issued for a scope other than the API's (`https://api.securitycenter.
//! microsoft.com/.default` and the other audiences the SDK's clouds use) is refused with 403,
//! as the service refuses tokens with the wrong audience.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::machine::hex;

/// Token scopes whose tokens the API accepts.
pub(crate) const ACCEPTED_SCOPES: &[&str] = &[
    "https://api.securitycenter.microsoft.com/.default",
    "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
    "https://api-gcc.securitycenter.microsoft.us/.default",
    "https://api-gov.securitycenter.microsoft.us/.default",
];

#[derive(Debug, Clone)]
struct Issued {
    expires_at: Duration,
    audience_ok: bool,
    requestor: String,
}

/// What a request's `Authorization` header amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A valid token; actions are recorded as requested by this name.
    Allowed { requestor: String },
    /// 401: no token, or one the simulator does not know or that expired.
    Unauthorized(&'static str),
    /// 403: a valid token for another audience.
    Forbidden(&'static str),
}

/// The fixed token and the issued ones.
#[derive(Debug)]
pub(crate) struct Tokens {
    fixed: String,
    fixed_requestor: String,
    issued: BTreeMap<String, Issued>,
}

impl Tokens {
    pub fn new(fixed: String, fixed_requestor: String) -> Self {
        Self { fixed, fixed_requestor, issued: BTreeMap::new() }
    }

    pub fn fixed(&self) -> &str {
        &self.fixed
    }

    /// Issues a token for `requestor` that expires `lifetime` after `now`.
    pub fn issue(
        &mut self,
        rng: &mut fastrand::Rng,
        now: Duration,
        lifetime: Duration,
        audience_ok: bool,
        requestor: &str,
    ) -> String {
        self.issued.retain(|_, token| token.expires_at > now);
        let token = format!("sim.{}", hex(rng, 48));
        let issued =
            Issued { expires_at: now + lifetime, audience_ok, requestor: requestor.to_owned() };
        self.issued.insert(token.clone(), issued);
        token
    }

    /// Judges an `Authorization` header value at `now`.
    pub fn check(&self, header: Option<&str>, now: Duration) -> Caller {
        let Some(header) = header else {
            return Caller::Unauthorized("Authorization header is missing");
        };
        let Some((scheme, token)) = header.trim().split_once(' ') else {
            return Caller::Unauthorized("Authorization header is not a bearer token");
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Caller::Unauthorized("Authorization header is not a bearer token");
        }
        let token = token.trim();
        if token == self.fixed {
            return Caller::Allowed { requestor: self.fixed_requestor.clone() };
        }
        match self.issued.get(token) {
            None => Caller::Unauthorized("The access token is invalid"),
            Some(issued) if issued.expires_at <= now => {
                Caller::Unauthorized("The access token has expired")
            }
            Some(issued) if !issued.audience_ok => {
                Caller::Forbidden("The access token was issued for another audience")
            }
            Some(issued) => Caller::Allowed { requestor: issued.requestor.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_issued_expired_and_foreign_tokens() {
        let mut tokens = Tokens::new("fixed".into(), "analyst".into());
        let mut rng = fastrand::Rng::with_seed(1);
        let now = Duration::from_secs(5);
        assert_eq!(
            tokens.check(Some("Bearer fixed"), now),
            Caller::Allowed { requestor: "analyst".into() }
        );
        assert!(matches!(tokens.check(None, now), Caller::Unauthorized(_)));
        assert!(matches!(tokens.check(Some("Basic fixed"), now), Caller::Unauthorized(_)));
        assert!(matches!(tokens.check(Some("Bearer nope"), now), Caller::Unauthorized(_)));
        let good = tokens.issue(&mut rng, now, Duration::from_secs(60), true, "app");
        let foreign = tokens.issue(&mut rng, now, Duration::from_secs(60), false, "app");
        assert_eq!(
            tokens.check(Some(&format!("bearer {good}")), now),
            Caller::Allowed { requestor: "app".into() }
        );
        assert!(matches!(
            tokens.check(Some(&format!("Bearer {foreign}")), now),
            Caller::Forbidden(_)
        ));
        let later = now + Duration::from_secs(60);
        assert!(matches!(
            tokens.check(Some(&format!("Bearer {good}")), later),
            Caller::Unauthorized(_)
        ));
    }
}
