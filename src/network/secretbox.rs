//! Router API passwords at rest: sealed with ChaCha20-Poly1305 under a key kept in its own file
//! beside the database, so a stray copy of the database file alone does not reveal them. A Steppe
//! backup (`crate::backup`) carries the key too, since a restore without it could not reach the
//! routers; such a backup is as secret as the data directory.

use crate::access::secret::{hex, random_bytes};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::path::Path;
use std::sync::Arc;

pub const KEY_FILE: &str = "secret.key";

#[derive(Clone)]
pub struct SecretBox {
    key: Arc<LessSafeKey>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// Loads `DIR/secret.key`, creating it (mode 0600) on first start.
    pub fn open(dir: &Path) -> Result<SecretBox, String> {
        let path = dir.join(KEY_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<32>();
                write_private(&path, &key)?;
                key.to_vec()
            }
            Err(e) => return Err(format!("reading {}: {e}", path.display())),
        };
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| {
            format!(
                "{} is not a 32-byte key; restore it from your backup of the data directory",
                path.display()
            )
        })?;
        Ok(SecretBox {
            key: Arc::new(LessSafeKey::new(key)),
        })
    }

    /// Seals `plain` as hex(nonce ‖ ciphertext ‖ tag).
    pub fn seal(&self, plain: &str) -> String {
        let nonce_bytes = random_bytes::<NONCE_LEN>();
        let mut buf = plain.as_bytes().to_vec();
        // Sealing in place only fails for inputs beyond 256 GiB.
        let _ = self.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::empty(),
            &mut buf,
        );
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buf);
        hex(&out)
    }

    /// Opens a sealed value; `None` if it was sealed under another key or tampered with.
    pub fn open_sealed(&self, sealed: &str) -> Option<String> {
        let bytes = unhex(sealed)?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut buf).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Writes a new file only its owner may read (keys, backups), synced before returning.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("creating {}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_and_refuses_other_keys() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let box_a = SecretBox::open(a.path()).unwrap();
        let sealed = box_a.seal("router pass");
        assert!(!sealed.contains("router"));
        assert_ne!(sealed, box_a.seal("router pass"), "fresh nonce each time");
        assert_eq!(
            SecretBox::open(a.path())
                .unwrap()
                .open_sealed(&sealed)
                .as_deref(),
            Some("router pass")
        );
        assert_eq!(
            SecretBox::open(b.path()).unwrap().open_sealed(&sealed),
            None
        );
        assert_eq!(box_a.open_sealed("zz"), None);
    }
}
