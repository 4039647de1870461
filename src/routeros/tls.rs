//! api-ssl (8729) over rustls with the `ring` provider.
//!
//! Routers rarely carry a certificate from a public CA, so besides verifying against given CA
//! roots we support pinning the SHA-256 fingerprint of the router's own certificate, shown to the
//! admin on first use ([`fetch_fingerprint`]). RouterOS without a certificate offers only
//! anonymous Diffie-Hellman, which rustls cannot speak: such a router needs a certificate.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::error::{Error, Result};
use super::hex;

/// SHA-256 of a certificate's DER bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(cert_der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(cert_der).into())
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    /// Lowercase hex without separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

impl FromStr for Fingerprint {
    type Err = Error;

    /// Accepts hex in either case, with or without `:` separators (as browsers show it).
    fn from_str(s: &str) -> Result<Self> {
        let compact: String = s.trim().chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(&compact)
            .ok_or_else(|| Error::Config(format!("fingerprint is not hex: {s:?}")))?;
        let digest: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Config(format!("fingerprint is not 32 bytes: {s:?}")))?;
        Ok(Fingerprint(digest))
    }
}

/// How to trust a router's certificate.
#[derive(Debug, Clone)]
pub enum TlsMode {
    /// Verify the chain against these roots and the name `server_name` (default: the host).
    Verify {
        roots: Vec<CertificateDer<'static>>,
        server_name: Option<String>,
    },
    /// Accept exactly the certificate with this fingerprint, whatever its name and issuer.
    Pinned(Fingerprint),
}

impl TlsMode {
    /// Verification against the CA certificates in a PEM bundle.
    pub fn verify_pem(pem: &[u8]) -> Result<TlsMode> {
        let roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("reading CA certificates: {e}")))?;
        if roots.is_empty() {
            return Err(Error::Config("no certificate in the CA bundle".into()));
        }
        Ok(TlsMode::Verify {
            roots,
            server_name: None,
        })
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    roots: RootCertStore,
) -> Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup: {e}")))?;
    Ok(match verifier {
        Some(v) => builder
            .dangerous()
            .with_custom_certificate_verifier(v)
            .with_no_client_auth(),
        None => builder.with_root_certificates(roots).with_no_client_auth(),
    })
}

/// Runs the TLS handshake on a connected socket.
pub(crate) async fn handshake(
    tcp: TcpStream,
    host: &str,
    mode: &TlsMode,
    limit: Duration,
) -> Result<TlsStream<TcpStream>> {
    let (config, name) = match mode {
        TlsMode::Verify { roots, server_name } => {
            let mut store = RootCertStore::empty();
            for root in roots {
                store
                    .add(root.clone())
                    .map_err(|e| Error::Config(format!("CA certificate: {e}")))?;
            }
            (
                client_config(None, store)?,
                server_name.as_deref().unwrap_or(host),
            )
        }
        TlsMode::Pinned(pin) => {
            let verifier = Arc::new(PinVerifier::new(Some(*pin)));
            (client_config(Some(verifier), RootCertStore::empty())?, host)
        }
    };
    let name = ServerName::try_from(name.to_owned())
        .map_err(|e| Error::Config(format!("TLS server name {name:?}: {e}")))?;
    let connector = TlsConnector::from(Arc::new(config));
    tokio::time::timeout(limit, connector.connect(name, tcp))
        .await
        .map_err(|_| Error::Timeout("TLS handshake".into()))?
        .map_err(|e| Error::io("TLS handshake", e))
}

/// Connects to a router's api-ssl port and returns its certificate's fingerprint without
/// trusting it, so an admin can compare it with `/certificate print` and pin it.
pub async fn fetch_fingerprint(host: &str, port: u16, limit: Duration) -> Result<Fingerprint> {
    let tcp = tokio::time::timeout(limit, TcpStream::connect((host, port)))
        .await
        .map_err(|_| Error::Timeout(format!("connecting to {host}:{port}")))?
        .map_err(|e| Error::io(format!("connecting to {host}:{port}"), e))?;
    let verifier = Arc::new(PinVerifier::new(None));
    let config = client_config(Some(verifier.clone()), RootCertStore::empty())?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| Error::Config(format!("TLS server name {host:?}: {e}")))?;
    let connector = TlsConnector::from(Arc::new(config));
    tokio::time::timeout(limit, connector.connect(name, tcp))
        .await
        .map_err(|_| Error::Timeout("TLS handshake".into()))?
        .map_err(|e| Error::io("TLS handshake", e))?;
    let seen = *verifier.seen.lock().unwrap_or_else(|p| p.into_inner());
    seen.ok_or_else(|| Error::Protocol("router presented no certificate".into()))
}

/// Accepts the certificate whose fingerprint is pinned (or, with no pin, any certificate, only
/// to record it). Handshake signatures are still checked, so the peer must hold the key.
#[derive(Debug)]
struct PinVerifier {
    pin: Option<Fingerprint>,
    seen: Mutex<Option<Fingerprint>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinVerifier {
    fn new(pin: Option<Fingerprint>) -> PinVerifier {
        PinVerifier {
            pin,
            seen: Mutex::new(None),
            algorithms: provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = Fingerprint::of(end_entity.as_ref());
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(got);
        match self.pin {
            Some(pin) if pin != got => Err(rustls::Error::General(format!(
                "router certificate fingerprint {got} does not match the pinned {pin}"
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_text_forms() {
        let fp = Fingerprint::of(b"certificate");
        let text = fp.to_string();
        assert_eq!(text.len(), 64);
        assert_eq!(text.parse::<Fingerprint>().ok(), Some(fp));
        let colons = fp
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(colons.parse::<Fingerprint>().ok(), Some(fp));
        assert!("abcd".parse::<Fingerprint>().is_err());
    }
}
