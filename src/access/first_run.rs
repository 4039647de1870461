//! The one-time setup code: whoever reaches `/setup` first must also be able to read the
//! server's console or data directory, so a stranger on the LAN cannot become super admin of a
//! fresh installation (as Jenkins does with its initial admin password).

use std::path::{Path, PathBuf};

/// The file in the data directory that holds the code until setup is done.
pub const FILE: &str = "setup-code";

/// Letters and digits that cannot be mistaken for one another when read off a console.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The code kept from an earlier start, or a new one written (owner-only) beside the database.
pub fn prepare(dir: &Path) -> Result<String, String> {
    let file = path(dir);
    if let Ok(kept) = std::fs::read_to_string(&file) {
        let kept = kept.trim();
        if kept.len() >= 12 {
            return Ok(kept.to_string());
        }
    }
    let code = new_code();
    crate::network::secretbox::write_private(&file, format!("{code}\n").as_bytes())?;
    Ok(code)
}

/// Setup is done: the code is spent.
pub fn clear(dir: &Path) {
    let file = path(dir);
    if let Err(e) = std::fs::remove_file(&file)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, file = %file.display(), "removing the spent setup code");
    }
}

/// Three groups of four, e.g. `7KQM-2XHD-R9TA` (60 bits).
fn new_code() -> String {
    let bytes = super::secret::random_bytes::<12>();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed: case, spaces and dashes do not matter.
pub fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_kept_until_cleared_and_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = prepare(dir.path()).unwrap();
        assert_eq!(a.len(), 14);
        assert_eq!(prepare(dir.path()).unwrap(), a);
        let mode = std::fs::metadata(path(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            normalize(&a.to_lowercase().replace('-', " ")),
            normalize(&a)
        );
        clear(dir.path());
        assert_ne!(prepare(dir.path()).unwrap(), a);
    }
}
