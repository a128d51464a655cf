//! Signed, expiring download links, in the shape of Azure storage SAS URLs
//! (`?se=<expiry>&sp=r&sv=...&sr=b&sig=<signature>`). The signature is HMAC-SHA256 over the
//! path and the expiry with a key drawn from the seed, so an altered path, expiry or
//! signature is refused, and so is an expired link.

use aws_lc_rs::hmac;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clock::seconds_text;

/// Signs and checks download links.
pub(crate) struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkError {
    /// No `se` or `sig`, or an `se` that is not a time.
    Malformed,
    /// The signature does not match the path and expiry.
    BadSignature,
    /// The expiry has passed.
    Expired,
}

impl Signer {
    pub fn new(rng: &mut fastrand::Rng) -> Self {
        let secret: Vec<u8> = (0..32).map(|_| rng.u8(..)).collect();
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, &secret) }
    }

    fn message(path: &str, expiry: &str) -> Vec<u8> {
        format!("GET\n{path}\n{expiry}").into_bytes()
    }

    /// The query string of a link to `path` that expires at `expiry`.
    pub fn query(&self, path: &str, expiry: OffsetDateTime) -> String {
        let se = seconds_text(expiry);
        let tag = hmac::sign(&self.key, &Self::message(path, &se));
        let sig: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        let se = se.replace(':', "%3A");
        format!("se={se}&sp=r&sv=2019-07-07&sr=b&sig={sig}")
    }

    /// Checks the query of a request for `path` at wall time `now`.
    pub fn verify(
        &self,
        path: &str,
        query: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<(), LinkError> {
        let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let (Some(se), Some(sig)) = (get("se"), get("sig")) else {
            return Err(LinkError::Malformed);
        };
        let expiry = OffsetDateTime::parse(se, &Rfc3339).map_err(|_| LinkError::Malformed)?;
        let sig = decode_hex(sig).ok_or(LinkError::BadSignature)?;
        hmac::verify(&self.key, &Self::message(path, se), &sig)
            .map_err(|_| LinkError::BadSignature)?;
        if now > expiry {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    #[test]
    fn signed_links_verify_and_expire() {
        let signer = Signer::new(&mut fastrand::Rng::with_seed(1));
        let now = time::macros::datetime!(2025-01-01 12:00 UTC);
        let expiry = now + time::Duration::minutes(30);
        let query = parse(&signer.query("/a/b", expiry));
        assert_eq!(signer.verify("/a/b", &query, now), Ok(()));
        assert_eq!(signer.verify("/a/c", &query, now), Err(LinkError::BadSignature));
        let later = expiry + time::Duration::seconds(1);
        assert_eq!(signer.verify("/a/b", &query, later), Err(LinkError::Expired));
        let mut altered = query.clone();
        altered[0].1 = "2099-01-01T00:00:00Z".to_owned();
        assert_eq!(signer.verify("/a/b", &altered, now), Err(LinkError::BadSignature));
        assert_eq!(signer.verify("/a/b", &[], now), Err(LinkError::Malformed));
        let mut bad_sig = query;
        bad_sig.last_mut().unwrap().1.replace_range(0..2, "zz");
        assert_eq!(signer.verify("/a/b", &bad_sig, now), Err(LinkError::BadSignature));
    }
}
