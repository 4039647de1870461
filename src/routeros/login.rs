//! Logging in: the plain form of RouterOS ≥ 6.43 and the MD5 challenge of older routers.
//!
//! Which one to use is a per-router setting ([`LoginMethod`]) rather than always auto-detecting:
//! auto-detection sends the password in clear first, and a 6.x router on plain `api` (8728)
//! answers that with a challenge, so the password has already crossed the network unencrypted.
//! Pick `challenge` for old routers and `plain` (ideally over api-ssl) for new ones.

use std::fmt;
use std::str::FromStr;

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::codec::{Decoder, Sentence, attribute_word, encode_sentence, lossy};
use super::error::{Error, Result};
use super::framed::{ReadError, read_sentence};
use super::hex;

/// How to log in to a router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginMethod {
    /// Send the plain form; fall back to the challenge if the router answers with one.
    /// Leaks the password in clear to a pre-6.43 router on unencrypted `api`.
    #[default]
    Auto,
    /// `/login =name= =password=` (RouterOS ≥ 6.43).
    Plain,
    /// `/login` → challenge → `/login =name= =response=` (RouterOS < 6.45.2).
    Challenge,
}

impl fmt::Display for LoginMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoginMethod::Auto => "auto",
            LoginMethod::Plain => "plain",
            LoginMethod::Challenge => "challenge",
        })
    }
}

impl FromStr for LoginMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(LoginMethod::Auto),
            "plain" => Ok(LoginMethod::Plain),
            "challenge" => Ok(LoginMethod::Challenge),
            other => Err(format!(
                "unknown login method {other:?} (expected auto, plain or challenge)"
            )),
        }
    }
}

/// The `=response=` value for a challenge: `00` then hex md5(0x00 ‖ password ‖ challenge bytes).
/// `None` if the challenge is not hex.
pub fn challenge_response(challenge_hex: &str, password: &[u8]) -> Option<String> {
    let challenge = hex::decode(challenge_hex)?;
    let mut md5 = Md5::new();
    md5.update([0u8]);
    md5.update(password);
    md5.update(&challenge);
    let digest: [u8; 16] = md5.finalize().into();
    Some(format!("00{}", hex::encode(&digest)))
}

/// Runs the login exchange on a fresh stream, before any tagged command.
pub async fn login<S>(
    stream: &mut S,
    decoder: &mut Decoder,
    user: &str,
    password: &str,
    method: LoginMethod,
) -> Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let challenge = match method {
        LoginMethod::Challenge => {
            let done = exchange(stream, decoder, vec![b"/login".to_vec()]).await?;
            Some(
                challenge_of(&done)
                    .ok_or_else(|| Error::Protocol("router sent no login challenge".into()))?,
            )
        }
        LoginMethod::Plain | LoginMethod::Auto => {
            let request = vec![
                b"/login".to_vec(),
                attribute_word("name", user.as_bytes()),
                attribute_word("password", password.as_bytes()),
            ];
            let done = exchange(stream, decoder, request).await?;
            match challenge_of(&done) {
                None => return Ok(()),
                Some(_) if method == LoginMethod::Plain => {
                    return Err(Error::LoginRefused(
                        "router asked for challenge login (RouterOS before 6.43); set the login method to challenge".into(),
                    ));
                }
                Some(challenge) => Some(challenge),
            }
        }
    };
    let challenge = challenge.unwrap_or_default();
    let response = challenge_response(&challenge, password.as_bytes())
        .ok_or_else(|| Error::Protocol(format!("login challenge is not hex: {challenge:?}")))?;
    let request = vec![
        b"/login".to_vec(),
        attribute_word("name", user.as_bytes()),
        attribute_word("response", response.as_bytes()),
    ];
    exchange(stream, decoder, request).await.map(|_| ())
}

fn challenge_of(done: &Sentence) -> Option<String> {
    done.attribute("ret")
        .filter(|r| !r.is_empty())
        .map(|r| lossy(r).into_owned())
}

/// Sends one untagged request and returns its `!done`, turning `!trap` into `LoginRefused`.
async fn exchange<S>(stream: &mut S, decoder: &mut Decoder, words: Vec<Vec<u8>>) -> Result<Sentence>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let bytes = encode_sentence(&words).map_err(|e| Error::Protocol(e.to_string()))?;
    stream
        .write_all(&bytes)
        .await
        .map_err(|e| Error::io("sending login", e))?;
    stream
        .flush()
        .await
        .map_err(|e| Error::io("sending login", e))?;
    let mut refused = None;
    loop {
        let reply = read_sentence(stream, decoder).await.map_err(|e| match e {
            ReadError::Codec(e) => Error::Protocol(e.to_string()),
            ReadError::Io(e) => Error::io("reading login reply", e),
            ReadError::Eof => Error::ConnectionClosed,
        })?;
        match reply.head() {
            b"!done" => {
                return match refused {
                    Some(message) => Err(Error::LoginRefused(message)),
                    None => Ok(reply),
                };
            }
            b"!trap" => {
                refused = Some(
                    reply
                        .attribute("message")
                        .map_or_else(|| "no reason given".to_owned(), |m| lossy(m).into_owned()),
                );
            }
            b"!fatal" => return Err(Error::Fatal(fatal_reason(&reply))),
            _ => {}
        }
    }
}

/// The reason of a `!fatal`: either `=message=` or a bare word after `!fatal`.
pub(crate) fn fatal_reason(sentence: &Sentence) -> String {
    if let Some(message) = sentence.attribute("message") {
        return lossy(message).into_owned();
    }
    sentence
        .words
        .iter()
        .skip(1)
        .find(|w| !w.starts_with(b"=") && !w.starts_with(b"."))
        .map_or_else(|| "no reason given".to_owned(), |w| lossy(w).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_vectors() {
        let vectors = [
            (
                "259e0bc05acd6f46926dc2f809ed1bba",
                "test",
                "00c7fd865183a43a772dde231f6d0bff13",
            ),
            ("abc123", "passTest", "0021277bff9ac7caf06aa608e46616d47f"),
            (
                "856780b7411eefd3abadee2058c149a3",
                "",
                "005062f7a5ef124d34675bf3e81f56c556",
            ),
            (
                "93b438ec9b80057c06dd9fe67d56aa9a",
                "",
                "00e134102a9d330dd7b1849fedfea3cb57",
            ),
        ];
        for (challenge, password, expected) in vectors {
            assert_eq!(
                challenge_response(challenge, password.as_bytes()).as_deref(),
                Some(expected),
                "{challenge}"
            );
        }
        assert_eq!(challenge_response("not hex", b"x"), None);
    }

    #[test]
    fn method_names_round_trip() {
        for m in [
            LoginMethod::Auto,
            LoginMethod::Plain,
            LoginMethod::Challenge,
        ] {
            assert_eq!(m.to_string().parse::<LoginMethod>(), Ok(m));
        }
        assert!("md5".parse::<LoginMethod>().is_err());
    }

    #[test]
    fn fatal_reason_in_both_forms() {
        let bare = Sentence::new(vec![
            b"!fatal".to_vec(),
            b"session terminated on request".to_vec(),
        ]);
        assert_eq!(fatal_reason(&bare), "session terminated on request");
        let attr = Sentence::new(vec![b"!fatal".to_vec(), b"=message=out of memory".to_vec()]);
        assert_eq!(fatal_reason(&attr), "out of memory");
    }
}
