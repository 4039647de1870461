//! `/queue/simple`: per-customer speed limits outside hotspot and PPP profiles.

use super::entry;

entry! {
    /// A simple queue.
    SimpleQueue at "/queue/simple" {
        name: String = "name",
        /// `IP/32` (or several, comma-separated).
        target: String = "target",
        /// `upload/download`, e.g. `2M/5M`.
        max_limit: String = "max-limit",
        limit_at: String = "limit-at",
        comment: String = "comment",
        disabled: bool = "disabled",
    }
    read_only {}
}
