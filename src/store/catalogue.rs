//! Every table of the database, each declared once (see `declare::tables!`).
//!
//! On-disk names carry a version suffix so a change of key or value encoding is a new table
//! written by a migration, never a silent reinterpretation of old bytes. Adding a table is one
//! line here; creating, backing up, restoring and hashing pick it up from `each`.

use super::StoreError;
use super::declare::{Table, Visit, tables};
use redb::TableDefinition;

tables! {
    store {
        /// Store-wide counters and markers: `schema_version`, `next_id:<kind>`, `marker:<key>`.
        META: &str => u64 = "meta-v1",
        /// Binary blobs (banner images, logo): key → bytes; kept apart so lists stay small.
        BLOBS: &str => &[u8] = "blobs-v1",
    }

    /// Tables of records keyed by a sequential `u64` id: id → JSON (see `codec`).
    records Kind: u64 => &'static [u8] {
        Admins = "admins-v1" as "admins",
        Audit = "audit-v1" as "audit",
        Banners = "banners-v1" as "banners",
        Routers = "routers-v1" as "routers",
        Plans = "plans-v1" as "plans",
        Customers = "customers-v1" as "customers",
        RouterLog = "router-log-v1" as "router_log",
        BankAccounts = "bank-accounts-v1" as "bank_accounts",
        Bills = "bills-v1" as "bills",
        Payments = "payments-v1" as "payments",
        Extensions = "extensions-v1" as "extensions",
        Messages = "messages-v1" as "messages",
        /// Requests, complaints and inquiries from customers, with the thread of replies.
        Feedback = "feedback-v1" as "feedback",
        /// QPay invoices customers opened (`model::invoice`).
        Invoices = "qpay-invoices-v1" as "qpay_invoices",
        /// Voucher batches and their cards (`model::voucher`).
        VoucherBatches = "voucher-batches-v1" as "voucher_batches",
        VoucherCards = "voucher-cards-v1" as "voucher_cards",
        /// Sales agents and their balance ledger (`model::agent`).
        Agents = "agents-v1" as "agents",
        AgentEntries = "agent-entries-v1" as "agent_entries",
    }

    /// Tables of records keyed by a string: key → JSON.
    enum KeyedKind: &'static str => &'static [u8] {
        Roles = "roles-v1",
        /// Keyed by the hex SHA-256 of the secret, so the file never holds a usable token.
        Sessions = "sessions-v1",
        /// Keyed like sessions.
        ApiTokens = "api-tokens-v1",
        /// Singleton records such as `settings`.
        Singletons = "singletons-v1",
        RouterStates = "router-states-v1",
        /// Customer portal sessions, keyed like admin sessions.
        PortalSessions = "portal-sessions-v1",
    }

    /// Unique secondary indexes: normalized key → id.
    enum Index: &'static str => u64 {
        /// Lowercase admin username → admin id.
        AdminUsername = "admin-by-username-v1",
        RouterName = "router-by-name-v1",
        PlanName = "plan-by-name-v1",
        PlanProfile = "plan-by-profile-v1",
        /// `router_id/login` → customer id.
        CustomerLogin = "customer-by-login-v1",
        /// Idempotency key → payment id: a retried submission records one payment.
        PaymentIdempotency = "payment-by-idempotency-v1",
        /// `scope/key` → id of what a request with that one-time key made (`crate::idempotency`).
        Idempotency = "idempotency-v1",
        /// A voucher card's code (its hotspot login, on every router) → card id: unique across
        /// the installation.
        VoucherCode = "voucher-by-code-v1",
        /// An agent's admin id (decimal) → agent id.
        AgentByAdmin = "agent-by-admin-v1",
    }

    /// Compact binary copies of records, kept beside them for fast scans (encoding is the
    /// owner's, see `billing::summary`).
    enum Summary: u64 => &'static [u8] {
        Customers = "customer-summaries-v1",
        Payments = "payment-summaries-v1",
        Bills = "bill-summaries-v1",
    }

    /// Grouping indexes: ordered (group, id) pairs, e.g. the customers of a router, or customers
    /// by expiry second.
    enum Set: (u64, u64) => () {
        CustomersByRouter = "customers-by-router-v1",
        CustomersByPlan = "customers-by-plan-v1",
        CustomersByExpiry = "customers-by-expiry-v1",
        BillsByCustomer = "bills-by-customer-v1",
        PaymentsByCustomer = "payments-by-customer-v1",
        ExtensionsByCustomer = "extensions-by-customer-v1",
        /// Queued messages by next attempt second.
        MessagesQueued = "messages-queued-v1",
        MessagesByCustomer = "messages-by-customer-v1",
        /// (UTC day number of `received_at`, payment id); see `billing::revenue::payment_day`.
        PaymentsByDay = "payments-by-day-v1",
        FeedbackByCustomer = "feedback-by-customer-v1",
        /// (expiry second, customer id << 8 | reminder code); see `notify::reminders`. Ordered
        /// by expiry so past ones are pruned by range.
        RemindersSent = "reminders-sent-v1",
        /// QPay invoices still asked about (open, ended here but not yet confirmed cancelled at
        /// QPay, paid with another payment pending) by the second they are next checked
        /// (`selfpay::invoices`).
        InvoicesDue = "qpay-invoices-due-v1",
        InvoicesByCustomer = "qpay-invoices-by-customer-v1",
        VoucherCardsByBatch = "voucher-cards-by-batch-v1",
        VoucherCardsByRouter = "voucher-cards-by-router-v1",
        /// (expiry second, card id) of cards that have an expiry (`vouchers::card`).
        VoucherCardsByExpiry = "voucher-cards-by-expiry-v1",
        /// (agent id, card id): the cards handed to an agent.
        VoucherCardsByAgent = "voucher-cards-by-agent-v1",
        /// (agent id, entry id): an agent's statement.
        AgentEntriesByAgent = "agent-entries-by-agent-v1",
        /// (UTC day number, card id) of cards sold, for sales by day.
        VoucherCardsSoldByDay = "voucher-cards-sold-by-day-v1",
    }

    owned {
        /// `billing::revenue`: (UTC hour, payment method) → (amount, count).
        REVENUE_BY_HOUR: (u32, &str) => (i64, u64) = "revenue-by-hour-v1",
        /// `billing::revenue`: (UTC hour, plan id) → (amount, count).
        REVENUE_BY_HOUR_PLAN: (u32, u64) => (i64, u64) = "revenue-by-hour-plan-v1",
        /// `billing::pending`: (due second, bill id) → amount still owed.
        PENDING_BILLS: (u64, u64) => i64 = "pending-bills-v1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declaration generates the names; files on disk hold these exact ones, so none may
    /// change, vanish or be declared twice (two roles sharing one table).
    #[test]
    fn every_table_keeps_its_on_disk_name_once() {
        struct Count(usize);
        impl Visit for Count {
            fn visit<K: redb::Key + 'static, V: redb::Value + 'static>(
                &mut self,
                name: &'static str,
                _def: TableDefinition<'static, K, V>,
            ) -> Result<(), StoreError> {
                assert_eq!(NAMES[self.0], name, "each visits the tables NAMES lists");
                self.0 += 1;
                Ok(())
            }
        }
        let mut count = Count(0);
        each(&mut count).unwrap();
        assert_eq!(count.0, NAMES.len());
        let mut names = NAMES.to_vec();
        names.sort_unstable();
        let mut want = vec![
            "meta-v1",
            "admins-v1",
            "roles-v1",
            "sessions-v1",
            "api-tokens-v1",
            "audit-v1",
            "banners-v1",
            "blobs-v1",
            "singletons-v1",
            "admin-by-username-v1",
            "routers-v1",
            "plans-v1",
            "customers-v1",
            "router-log-v1",
            "router-states-v1",
            "router-by-name-v1",
            "plan-by-name-v1",
            "plan-by-profile-v1",
            "customer-by-login-v1",
            "customers-by-router-v1",
            "customers-by-plan-v1",
            "customers-by-expiry-v1",
            "bank-accounts-v1",
            "bills-v1",
            "payments-v1",
            "extensions-v1",
            "payment-by-idempotency-v1",
            "bills-by-customer-v1",
            "payments-by-customer-v1",
            "extensions-by-customer-v1",
            "revenue-by-hour-v1",
            "customer-summaries-v1",
            "revenue-by-hour-plan-v1",
            "payment-summaries-v1",
            "bill-summaries-v1",
            "pending-bills-v1",
            "messages-v1",
            "messages-queued-v1",
            "messages-by-customer-v1",
            "payments-by-day-v1",
            "feedback-v1",
            "feedback-by-customer-v1",
            "portal-sessions-v1",
            "reminders-sent-v1",
            "idempotency-v1",
            "qpay-invoices-v1",
            "qpay-invoices-due-v1",
            "qpay-invoices-by-customer-v1",
            "voucher-batches-v1",
            "voucher-cards-v1",
            "voucher-by-code-v1",
            "voucher-cards-by-batch-v1",
            "voucher-cards-by-router-v1",
            "voucher-cards-by-expiry-v1",
            "agents-v1",
            "agent-entries-v1",
            "agent-by-admin-v1",
            "voucher-cards-by-agent-v1",
            "agent-entries-by-agent-v1",
            "voucher-cards-sold-by-day-v1",
        ];
        want.sort_unstable();
        assert_eq!(names, want);
    }

    /// The id counter of each kind lives under `next_id:<name>` in files already written.
    #[test]
    fn record_names_are_the_id_counter_keys_on_disk() {
        let names: Vec<_> = [
            Kind::Admins,
            Kind::Audit,
            Kind::Banners,
            Kind::Routers,
            Kind::Plans,
            Kind::Customers,
            Kind::RouterLog,
            Kind::BankAccounts,
            Kind::Bills,
            Kind::Payments,
            Kind::Extensions,
            Kind::Messages,
            Kind::Feedback,
            Kind::Invoices,
            Kind::VoucherBatches,
            Kind::VoucherCards,
            Kind::Agents,
            Kind::AgentEntries,
        ]
        .map(Kind::name)
        .into();
        assert_eq!(
            names,
            [
                "admins",
                "audit",
                "banners",
                "routers",
                "plans",
                "customers",
                "router_log",
                "bank_accounts",
                "bills",
                "payments",
                "extensions",
                "messages",
                "feedback",
                "qpay_invoices",
                "voucher_batches",
                "voucher_cards",
                "agents",
                "agent_entries"
            ]
        );
    }
}
