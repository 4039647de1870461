//! What reading the database costs in memory. redb keeps what it reads in a cache that, left at
//! its default, grows to 1 GiB: a router with 256 MiB would run out of memory from a year's
//! revenue export. The store bounds it (`store::CACHE_BYTES`); this reads a database four times
//! that size and checks the process grew by about the cache, not by the file (opening it and reading it
//! through).
//!
//! The reading is done by a fresh process (this test binary run again on one test) so that
//! memory the allocator kept from writing the file cannot hide the growth.

use std::path::Path;
use steppe::store::{CACHE_BYTES, Reader, Store};

const CHILD: &str = "STEPPE_MEMORY_TEST_DATA";
const BLOB: usize = 4096;

fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib * 1024
}

fn blobs() -> usize {
    4 * CACHE_BYTES / BLOB
}

fn seed(dir: &Path) {
    let store = Store::open(dir).expect("open");
    // Many small transactions: each one's dirty pages are freed before the next.
    for chunk in 0..blobs() / 256 {
        store
            .write(|w| {
                for i in 0..256 {
                    let n = chunk * 256 + i;
                    let bytes = vec![u8::try_from(n % 251).unwrap_or(0); BLOB];
                    w.blob_put(&format!("memory-test-{n:08}"), &bytes)?;
                }
                Ok::<_, steppe::store::StoreError>(())
            })
            .expect("write");
    }
}

/// The child's half: opens the database, reads every blob, prints how much it grew.
#[test]
fn read_all_in_this_process() {
    let Some(dir) = std::env::var_os(CHILD) else {
        return; // run only as the child of `reading_the_whole_file_grows_by_about_the_cache`
    };
    // From before the open: opening reads through the cache too.
    let before = rss_bytes();
    let store = Store::open(Path::new(&dir)).expect("open");
    let mut sum = 0u64;
    store
        .read(|r| {
            for n in 0..blobs() {
                let b = r.blob(&format!("memory-test-{n:08}"))?.expect("blob");
                sum += u64::from(b[0]);
            }
            Ok::<_, steppe::store::StoreError>(())
        })
        .expect("read");
    assert!(sum > 0);
    println!("grew-by={}", rss_bytes().saturating_sub(before));
}

#[test]
fn reading_the_whole_file_grows_by_about_the_cache() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed(dir.path());
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "read_all_in_this_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, dir.path())
        .output()
        .expect("run the reading child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grew: usize = stdout
        .lines()
        .find_map(|l| l.split_once("grew-by="))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no figure from the child: {stdout}"));
    let file = blobs() * BLOB;
    println!("read {} MiB, grew by {} MiB", file >> 20, grew >> 20);
    // The cache plus the allocator's slack; well under the file read.
    assert!(
        grew < CACHE_BYTES * 2,
        "reading {} MiB grew the process by {} MiB (cache {} MiB)",
        file >> 20,
        grew >> 20,
        CACHE_BYTES >> 20
    );
}
