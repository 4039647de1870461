//! Why a router could not be reached, in the operator's words. The client's errors are kept as
//! English text (in the router's state and a probe's result); this names the likely cause and
//! what to check, in the UI language, from the phrases the client itself writes.

use crate::i18n::Msg;

pub fn of(error: &str) -> Msg {
    let e = error.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| e.contains(w));
    if has(&[
        "login refused",
        "invalid user name or password",
        "cannot log in",
    ]) {
        Msg::WhyLogin
    } else if has(&["connection refused"]) {
        Msg::WhyRefused
    } else if has(&["timed out"]) {
        Msg::WhyTimeout
    } else if has(&["tls", "certificate", "fingerprint"]) {
        Msg::WhyTls
    } else if has(&[
        "unreachable",
        "no route",
        "lookup",
        "resolve",
        "invalid socket address",
    ]) {
        Msg::WhyNoRoute
    } else {
        Msg::WhyOther
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_own_phrases_name_the_cause() {
        let check = |text: &str, want: Msg| assert_eq!(of(text), want, "{text}");
        check(
            "connecting to 127.0.0.1:1: Connection refused (os error 111)",
            Msg::WhyRefused,
        );
        check(
            "login refused: invalid user name or password (6)",
            Msg::WhyLogin,
        );
        check("timed out: connecting to 10.0.0.1:8728", Msg::WhyTimeout);
        check(
            "TLS handshake: certificate fingerprint mismatch",
            Msg::WhyTls,
        );
        check(
            "connecting to 10.9.9.9:8728: No route to host (os error 113)",
            Msg::WhyNoRoute,
        );
        check("protocol error: bad word", Msg::WhyOther);
    }
}
