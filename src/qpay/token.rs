//! QPay's access and refresh tokens and when each runs out. QPay sends `expires_in` and
//! `refresh_expires_in` as absolute Unix seconds although the names say durations; both are
//! accepted, told apart by size.

use super::amount::tugrik;
use jiff::Timestamp;
use serde::Deserialize;
use std::fmt;

/// A value below this (2001-09-09 as a Unix time) is a lifetime in seconds, not a moment.
const ABSOLUTE_FROM: u64 = 1_000_000_000;
/// A token is treated as expired this long before QPay says, so that one does not run out
/// between our check and QPay's.
const MARGIN_SECS: i64 = 30;

/// What `/v2/auth/token` and `/v2/auth/refresh` answer.
#[derive(Deserialize)]
pub(super) struct TokenReply {
    access_token: String,
    refresh_token: String,
    // Read as an amount is: a number or decimal text, never a float.
    #[serde(deserialize_with = "tugrik")]
    expires_in: u64,
    #[serde(deserialize_with = "tugrik")]
    refresh_expires_in: u64,
}

/// The tokens held between calls.
#[derive(Clone)]
pub(super) struct Tokens {
    pub access: String,
    access_until: Timestamp,
    pub refresh: String,
    refresh_until: Timestamp,
}

/// What to do before a call, given the tokens held and the time.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Need {
    /// The access token is good.
    Nothing,
    /// The access token ran out; the refresh token still works.
    Refresh,
    /// Sign in with the client id and secret.
    Authenticate,
}

impl Tokens {
    /// The reply read at `now`; empty tokens are refused rather than sent.
    pub fn from_reply(reply: TokenReply, now: Timestamp) -> Result<Tokens, String> {
        if reply.access_token.is_empty() {
            return Err("the token answer has an empty access_token".into());
        }
        Ok(Tokens {
            access: reply.access_token,
            access_until: until(reply.expires_in, now),
            refresh: reply.refresh_token,
            refresh_until: until(reply.refresh_expires_in, now),
        })
    }

    /// QPay refused the access token before its time: it is spent, the refresh token may not
    /// be, and signing in again for nothing would cost a Basic exchange of the secret.
    pub fn access_refused(&mut self) {
        self.access_until = Timestamp::MIN;
    }

    pub fn need(tokens: Option<&Tokens>, now: Timestamp) -> Need {
        let Some(t) = tokens else {
            return Need::Authenticate;
        };
        let soon = Timestamp::from_second(now.as_second().saturating_add(MARGIN_SECS))
            .unwrap_or(Timestamp::MAX);
        if soon < t.access_until {
            Need::Nothing
        } else if soon < t.refresh_until && !t.refresh.is_empty() {
            Need::Refresh
        } else {
            Need::Authenticate
        }
    }
}

fn until(value: u64, now: Timestamp) -> Timestamp {
    let secs = i64::try_from(value).unwrap_or(i64::MAX);
    let at = if value < ABSOLUTE_FROM {
        now.as_second().saturating_add(secs)
    } else {
        secs
    };
    Timestamp::from_second(at).unwrap_or(Timestamp::MAX)
}

// Tokens are bearer secrets: they stay out of logs.
impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_until", &self.access_until)
            .field("refresh_until", &self.refresh_until)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    fn tokens(expires: u64, refresh: u64, now: Timestamp) -> Tokens {
        let json = format!(
            r#"{{"access_token":"acc-token","refresh_token":"ref-token","expires_in":{expires},"refresh_expires_in":"{refresh}","token_type":"bearer","extra":1}}"#
        );
        Tokens::from_reply(serde_json::from_str(&json).unwrap(), now).unwrap()
    }

    #[test]
    fn absolute_times_and_durations() {
        let now = at(1_800_000_000);
        // QPay's way: absolute Unix seconds.
        let t = tokens(1_800_000_100, 1_800_000_200, now);
        assert_eq!(Tokens::need(Some(&t), now), Need::Nothing);
        assert_eq!(Tokens::need(Some(&t), at(1_800_000_080)), Need::Refresh);
        assert_eq!(
            Tokens::need(Some(&t), at(1_800_000_180)),
            Need::Authenticate
        );
        // Durations, as the names say.
        let t = tokens(100, 200, now);
        assert_eq!(Tokens::need(Some(&t), at(1_800_000_050)), Need::Nothing);
        assert_eq!(Tokens::need(Some(&t), at(1_800_000_150)), Need::Refresh);
        assert_eq!(
            Tokens::need(Some(&t), at(1_800_000_250)),
            Need::Authenticate
        );
        assert_eq!(Tokens::need(None, now), Need::Authenticate);
    }

    #[test]
    fn a_refused_access_token_is_refreshed() {
        let now = at(1_800_000_000);
        let mut t = tokens(1_800_000_100, 1_800_000_200, now);
        t.access_refused();
        assert_eq!(Tokens::need(Some(&t), now), Need::Refresh);
    }

    #[test]
    fn missing_fields_and_empty_tokens_are_refused() {
        assert!(serde_json::from_str::<TokenReply>(r#"{"access_token":"a"}"#).is_err());
        let json =
            r#"{"access_token":"","refresh_token":"r","expires_in":1,"refresh_expires_in":1}"#;
        let reply = serde_json::from_str(json).unwrap();
        assert!(Tokens::from_reply(reply, at(0)).is_err());
    }

    #[test]
    fn debug_shows_no_token() {
        let t = tokens(100, 200, at(1_800_000_000));
        let d = format!("{t:?}");
        assert!(!d.contains("acc-token") && !d.contains("ref-token"), "{d}");
    }
}
