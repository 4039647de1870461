//! Backups of an installation: the database plus the files of the data directory that belong to
//! it, taken online (`steppe backup`, the Settings page, the scheduled task) and restored into a
//! stopped or fresh data directory (`steppe restore`).
//!
//! The database copy itself is `store::backup` (one read snapshot, so it is consistent while the
//! server writes). This module decides which files go along, names and rotates the scheduled
//! copies, and writes restored files with the right permissions.
//!
//! A backup holds `secret.key`, the key that seals router API passwords: without it a restored
//! installation could not log in to its routers. So a backup file is as sensitive as the data
//! directory itself (it also holds every admin's password hash) and is written mode 0600.

use crate::clock::Clock;
use crate::store::{self, BackupInfo, Store};
use jiff::Timestamp;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Files of the data directory that belong with the database: the key sealing router passwords,
/// and the self-signed TLS certificate (so browsers that accepted it keep accepting it).
pub const DATA_FILES: [&str; 3] = [
    crate::network::secretbox::KEY_FILE,
    "tls-cert.pem",
    "tls-key.pem",
];

/// Scheduled backups go here, inside the data directory (so on the same disk: they protect
/// against mistakes and a damaged file, not against losing the disk — download copies too).
pub const DIR: &str = "backups";
const PREFIX: &str = "steppe-";
pub const SUFFIX: &str = ".steppe-backup";

fn data_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for name in DATA_FILES {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => out.push((name.to_string(), bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("reading {}: {e}", path.display())),
        }
    }
    Ok(out)
}

/// A backup from the running server's store.
pub fn create(store: &Store, data_dir: &Path, out: &Path) -> Result<BackupInfo, String> {
    let files = data_files(data_dir)?;
    let info = store.backup(out, &files).map_err(|e| e.to_string())?;
    private(out)?;
    Ok(info)
}

/// A backup of the data directory `data_dir`, whether or not a server has it open.
pub fn create_from_dir(data_dir: &Path, out: &Path) -> Result<BackupInfo, String> {
    let files = data_files(data_dir)?;
    let info = store::backup_dir(data_dir, out, &files).map_err(|e| e.to_string())?;
    private(out)?;
    Ok(info)
}

fn private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("setting permissions of {}: {e}", path.display()))
}

/// Restores `backup` into `data_dir`, which must not hold a database (stop the server and move
/// the old directory aside first). The restored file migrates forward when the server opens it.
pub fn restore(backup: &Path, data_dir: &Path) -> Result<BackupInfo, String> {
    for name in DATA_FILES {
        if data_dir.join(name).exists() {
            return Err(format!(
                "{} already exists; restore only into an empty data directory",
                data_dir.join(name).display()
            ));
        }
    }
    let (info, files) = store::restore(backup, data_dir).map_err(|e| e.to_string())?;
    for (name, bytes) in files {
        // Only the names this build writes; a crafted backup must not write elsewhere.
        if !DATA_FILES.contains(&name.as_str()) {
            tracing::warn!(%name, "backup carries an unknown file; skipped");
            continue;
        }
        crate::network::secretbox::write_private(&data_dir.join(&name), &bytes)?;
    }
    Ok(info)
}

/// The file name of a backup taken at `t`: sorts by time.
pub fn file_name(t: Timestamp) -> String {
    format!("{PREFIX}{}{SUFFIX}", t.strftime("%Y%m%dT%H%M%SZ"))
}

/// The time in a name made by `file_name`.
fn parse_name(name: &str) -> Option<Timestamp> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp).ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(dt).ok()
}

/// Scheduled backups in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<(Timestamp, PathBuf)> {
    let mut out: Vec<(Timestamp, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            Some((parse_name(&name)?, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// Deletes all but the newest `keep` scheduled backups; returns the deleted paths.
pub fn rotate(dir: &Path, keep: usize) -> Vec<PathBuf> {
    let all = list(dir);
    let excess = all.len().saturating_sub(keep.max(1));
    let mut gone = Vec::new();
    for (_, path) in all.into_iter().take(excess) {
        match std::fs::remove_file(&path) {
            Ok(()) => gone.push(path),
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "removing old backup"),
        }
    }
    gone
}

/// When the next scheduled backup is due: `every` after the newest one, or now if none.
pub fn next_due(newest: Option<Timestamp>, every: Duration, now: Timestamp) -> Timestamp {
    match newest {
        None => now,
        Some(t) => t
            .checked_add(jiff::SignedDuration::try_from(every).unwrap_or(jiff::SignedDuration::MAX))
            .unwrap_or(Timestamp::MAX),
    }
}

/// Takes the scheduled backups the settings ask for (`backup_every_hours`, `backup_keep`) until
/// `stop` is notified. Settings are reread each minute at most, so a change applies promptly.
pub async fn schedule(
    store: Store,
    data_dir: PathBuf,
    clock: Clock,
    stop: std::sync::Arc<tokio::sync::Notify>,
) {
    let dir = data_dir.join(DIR);
    loop {
        let settings = store
            .read_async(crate::settings::load)
            .await
            .unwrap_or_default();
        let mut wait = Duration::from_secs(60);
        if settings.backup_every_hours > 0 {
            let every = Duration::from_secs(u64::from(settings.backup_every_hours) * 3600);
            let now = clock.now();
            let due = next_due(list(&dir).last().map(|(t, _)| *t), every, now);
            if due <= now {
                let (store2, data2, dir2) = (store.clone(), data_dir.clone(), dir.clone());
                let keep = usize::try_from(settings.backup_keep).unwrap_or(usize::MAX);
                let done = tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir2)
                        .map_err(|e| format!("creating {}: {e}", dir2.display()))?;
                    let out = dir2.join(file_name(now));
                    let info = create(&store2, &data2, &out)?;
                    let removed = rotate(&dir2, keep);
                    Ok::<_, String>((out, info, removed.len()))
                })
                .await;
                match done {
                    Ok(Ok((out, info, removed))) => tracing::info!(
                        file = %out.display(), rows = info.rows, removed, "scheduled backup written"
                    ),
                    Ok(Err(e)) => tracing::error!(error = %e, "scheduled backup failed"),
                    Err(e) => tracing::error!(error = %e, "scheduled backup task failed"),
                }
            } else if let Ok(left) = Duration::try_from(due.duration_since(now)) {
                wait = wait.min(left);
            }
        }
        tokio::select! {
            _ = stop.notified() => return,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_time_and_parse_back() {
        let t: Timestamp = "2026-12-01T18:57:00Z".parse().unwrap();
        let name = file_name(t);
        assert_eq!(name, "steppe-20261201T185700Z.steppe-backup");
        assert_eq!(parse_name(&name), Some(t));
        assert_eq!(parse_name("steppe-garbage.steppe-backup"), None);
        assert_eq!(parse_name("other.txt"), None);
    }

    #[test]
    fn rotation_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let base: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for h in 0..5 {
            let t = base + jiff::SignedDuration::from_hours(h);
            std::fs::write(dir.path().join(file_name(t)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        assert_eq!(rotate(dir.path(), 2).len(), 3);
        let left: Vec<_> = list(dir.path()).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            left,
            [
                base + jiff::SignedDuration::from_hours(3),
                base + jiff::SignedDuration::from_hours(4)
            ]
        );
        assert!(
            dir.path().join("notes.txt").exists(),
            "other files are not touched"
        );
    }

    #[test]
    fn next_due_counts_from_the_newest() {
        let now: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        let day = Duration::from_secs(86_400);
        assert_eq!(next_due(None, day, now), now);
        let newest = now - jiff::SignedDuration::from_hours(6);
        assert_eq!(
            next_due(Some(newest), day, now),
            newest + jiff::SignedDuration::from_hours(24)
        );
    }
}
