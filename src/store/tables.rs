//! Every table of the database, declared in one place.
//!
//! Names carry a version suffix so a change of key or value encoding is a new table
//! written by a migration, never a silent reinterpretation of old bytes.

use redb::TableDefinition;

/// Store-wide counters and markers: `schema_version`, `next_id:<table>`.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta-v1");

/// Entity tables: id → JSON-encoded record (see `codec`).
pub const ADMINS: TableDefinition<u64, &[u8]> = TableDefinition::new("admins-v1");
pub const ROLES: TableDefinition<&str, &[u8]> = TableDefinition::new("roles-v1");
/// Keyed by the hex SHA-256 of the secret, so the file never holds a usable token.
pub const SESSIONS_STR: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions-v1");
pub const API_TOKENS_STR: TableDefinition<&str, &[u8]> = TableDefinition::new("api-tokens-v1");
pub const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit-v1");
pub const BANNERS: TableDefinition<u64, &[u8]> = TableDefinition::new("banners-v1");
/// Binary blobs (banner images, logo): key → bytes; kept apart so lists stay small.
pub const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("blobs-v1");
/// Singleton records such as `settings`: key → JSON.
pub const SINGLETONS: TableDefinition<&str, &[u8]> = TableDefinition::new("singletons-v1");

pub const ROUTERS: TableDefinition<u64, &[u8]> = TableDefinition::new("routers-v1");
pub const PLANS: TableDefinition<u64, &[u8]> = TableDefinition::new("plans-v1");
pub const CUSTOMERS: TableDefinition<u64, &[u8]> = TableDefinition::new("customers-v1");
pub const ROUTER_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("router-log-v1");
/// A compact binary summary of each customer (see `billing::customer::Summary`), so lists,
/// reports and the dashboard scan customers without decoding whole records.
pub const CUSTOMER_SUMMARIES: TableDefinition<u64, &[u8]> =
    TableDefinition::new("customer-summaries-v1");
/// Compact copies of payments and bills for the revenue and package reports.
pub const PAYMENT_SUMMARIES: TableDefinition<u64, &[u8]> =
    TableDefinition::new("payment-summaries-v1");
pub const BILL_SUMMARIES: TableDefinition<u64, &[u8]> = TableDefinition::new("bill-summaries-v1");
pub const BANK_ACCOUNTS: TableDefinition<u64, &[u8]> = TableDefinition::new("bank-accounts-v1");
pub const BILLS: TableDefinition<u64, &[u8]> = TableDefinition::new("bills-v1");
pub const PAYMENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("payments-v1");
pub const EXTENSIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("extensions-v1");
pub const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages-v1");
/// Queued messages by next attempt second.
pub const MESSAGES_QUEUED: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("messages-queued-v1");
pub const MESSAGES_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("messages-by-customer-v1");
pub const ROUTER_STATES: TableDefinition<&str, &[u8]> = TableDefinition::new("router-states-v1");
/// Requests, complaints and inquiries from customers, with the thread of replies.
pub const FEEDBACK: TableDefinition<u64, &[u8]> = TableDefinition::new("feedback-v1");
pub const FEEDBACK_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("feedback-by-customer-v1");
/// Customer portal sessions, keyed like admin sessions by the hex SHA-256 of the secret.
pub const PORTAL_SESSIONS: TableDefinition<&str, &[u8]> =
    TableDefinition::new("portal-sessions-v1");
/// (expiry second, customer id << 8 | reminder code): an automatic reminder goes out once per
/// expiry; ordered by expiry so past ones are pruned by range.
pub const REMINDERS_SENT: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("reminders-sent-v1");

/// Unique secondary indexes: normalized key → id.
pub const ROUTER_BY_NAME: TableDefinition<&str, u64> = TableDefinition::new("router-by-name-v1");
pub const PLAN_BY_NAME: TableDefinition<&str, u64> = TableDefinition::new("plan-by-name-v1");
pub const PLAN_BY_PROFILE: TableDefinition<&str, u64> = TableDefinition::new("plan-by-profile-v1");
/// Idempotency key → payment id: a retried submission records one payment.
pub const PAYMENT_BY_IDEMPOTENCY: TableDefinition<&str, u64> =
    TableDefinition::new("payment-by-idempotency-v1");
/// `scope/key` → id of what a request with that one-time key made (`crate::idempotency`).
pub const IDEMPOTENCY: TableDefinition<&str, u64> = TableDefinition::new("idempotency-v1");
/// `router_id/login` → customer id.
pub const CUSTOMER_BY_LOGIN: TableDefinition<&str, u64> =
    TableDefinition::new("customer-by-login-v1");

/// Grouping indexes: (group, id) → (), e.g. (router id, customer id) or (expiry second, id).
pub const CUSTOMERS_BY_ROUTER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("customers-by-router-v1");
pub const CUSTOMERS_BY_PLAN: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("customers-by-plan-v1");
/// Pending bills by (due second, bill id) → amount still owed: the "pending and unpaid" list and
/// its totals without reading any bill.
pub const PENDING_BILLS: TableDefinition<(u64, u64), i64> =
    TableDefinition::new("pending-bills-v1");
pub const BILLS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("bills-by-customer-v1");
pub const PAYMENTS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("payments-by-customer-v1");
pub const EXTENSIONS_BY_CUSTOMER: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("extensions-by-customer-v1");
pub const CUSTOMERS_BY_EXPIRY: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("customers-by-expiry-v1");
/// (UTC day number of `received_at`, payment id): the revenue report reads a date range
/// without scanning every payment.
pub const PAYMENTS_BY_DAY: TableDefinition<(u64, u64), ()> =
    TableDefinition::new("payments-by-day-v1");

/// Revenue totals per UTC hour and payment method: (hour since epoch, method) → (amount, count).
/// Kept in the payment's transaction so the dashboard never scans payments.
pub const REVENUE_BY_HOUR: TableDefinition<(u32, &str), (i64, u64)> =
    TableDefinition::new("revenue-by-hour-v1");

/// Revenue per UTC hour and package: (hour since epoch, plan id) → (amount, count).
pub const REVENUE_BY_HOUR_PLAN: TableDefinition<(u32, u64), (i64, u64)> =
    TableDefinition::new("revenue-by-hour-plan-v1");

/// Unique secondary index: lowercase admin username → admin id.
pub const ADMIN_BY_USERNAME: TableDefinition<&str, u64> =
    TableDefinition::new("admin-by-username-v1");

/// Calls `$m!` with every table of the database, so creating, copying (backup and restore) and
/// comparing tables cannot forget one: a table declared above but missing here is never created,
/// which the first read of it reports at once.
macro_rules! for_each_table {
    ($m:ident) => {
        $m!(
            META,
            ADMINS,
            ROLES,
            SESSIONS_STR,
            API_TOKENS_STR,
            AUDIT,
            BANNERS,
            BLOBS,
            SINGLETONS,
            ADMIN_BY_USERNAME,
            ROUTERS,
            PLANS,
            CUSTOMERS,
            ROUTER_LOG,
            ROUTER_STATES,
            ROUTER_BY_NAME,
            PLAN_BY_NAME,
            PLAN_BY_PROFILE,
            CUSTOMER_BY_LOGIN,
            CUSTOMERS_BY_ROUTER,
            CUSTOMERS_BY_PLAN,
            CUSTOMERS_BY_EXPIRY,
            BANK_ACCOUNTS,
            BILLS,
            PAYMENTS,
            EXTENSIONS,
            PAYMENT_BY_IDEMPOTENCY,
            BILLS_BY_CUSTOMER,
            PAYMENTS_BY_CUSTOMER,
            EXTENSIONS_BY_CUSTOMER,
            REVENUE_BY_HOUR,
            CUSTOMER_SUMMARIES,
            REVENUE_BY_HOUR_PLAN,
            PAYMENT_SUMMARIES,
            BILL_SUMMARIES,
            PENDING_BILLS,
            MESSAGES,
            MESSAGES_QUEUED,
            MESSAGES_BY_CUSTOMER,
            PAYMENTS_BY_DAY,
            FEEDBACK,
            FEEDBACK_BY_CUSTOMER,
            PORTAL_SESSIONS,
            REMINDERS_SENT,
            IDEMPOTENCY,
        )
    };
}
pub(crate) use for_each_table;

/// Creates every table so read transactions never meet a missing one.
pub fn create_all(tx: &redb::WriteTransaction) -> Result<(), redb::TableError> {
    macro_rules! open {
        ($($t:ident),* $(,)?) => {
            $(tx.open_table($t)?;)*
        };
    }
    for_each_table!(open);
    Ok(())
}
