//! Searching, filtering, sorting and paging customers — shared by the list page and the API.

use super::customer::{Customer, CustomerKind, Shown};
use crate::store::{Reader, Set, StoreError};
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Name,
    Login,
    Expires,
    Created,
}

impl SortBy {
    pub fn parse(s: &str) -> SortBy {
        match s {
            "login" => SortBy::Login,
            "expires" => SortBy::Expires,
            "created" => SortBy::Created,
            _ => SortBy::Name,
        }
    }
    pub fn id(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::Login => "login",
            SortBy::Expires => "expires",
            SortBy::Created => "created",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    /// Matched case-insensitively against name, login, phone, e-mail, registration number.
    pub q: String,
    pub kind: Option<CustomerKind>,
    pub plan_id: Option<u64>,
    pub router_id: Option<u64>,
    pub status: Option<Shown>,
    /// Entitled now and expiring within this many days.
    pub expiring_days: Option<u32>,
    pub include_archived: bool,
    pub sort: SortBy,
    pub desc: bool,
    /// Zero-based page; `per == 0` means everything (print, export).
    pub page: usize,
    pub per: usize,
}

pub struct CustomerPage {
    pub items: Vec<Customer>,
    pub total: usize,
}

impl CustomerQuery {
    fn keep(&self, c: &Customer, now: Timestamp, needle: &str) -> bool {
        if c.archived && !self.include_archived {
            return false;
        }
        if self.kind.is_some_and(|k| k != c.kind)
            || self.plan_id.is_some_and(|p| p != c.plan_id)
            || self.router_id.is_some_and(|r| r != c.router_id)
            || self.status.is_some_and(|s| s != c.shown(now))
        {
            return false;
        }
        if let Some(days) = self.expiring_days {
            let horizon = now
                .saturating_add(SignedDuration::from_hours(i64::from(days.min(36_600)) * 24))
                .unwrap_or(Timestamp::MAX);
            if !(c.entitled(now) && c.expires_at <= horizon) {
                return false;
            }
        }
        needle.is_empty()
            || [&c.name, &c.login, &c.phone, &c.email, &c.reg_no]
                .iter()
                .any(|f| f.to_lowercase().contains(needle))
    }

    /// Runs the query. Router and plan filters start from their grouping index, so they do not
    /// read every customer.
    pub fn run(&self, r: &impl Reader, now: Timestamp) -> Result<CustomerPage, StoreError> {
        let needle = self.q.trim().to_lowercase();
        let mut items = Vec::new();
        let group = match (self.router_id, self.plan_id) {
            (Some(id), _) => Some((Set::CustomersByRouter, id)),
            (None, Some(id)) => Some((Set::CustomersByPlan, id)),
            _ => None,
        };
        match group {
            Some((set, id)) => {
                for cid in r.set_members(set, id)? {
                    if let Some(c) = r.get::<Customer>(cid)?
                        && self.keep(&c, now, &needle)
                    {
                        items.push(c);
                    }
                }
            }
            None => super::summary::scan(r, |c| {
                if self.keep(&c, now, &needle) {
                    items.push(c);
                }
                true
            })?,
        }
        match self.sort {
            SortBy::Name => items.sort_by_cached_key(|c| c.name.to_lowercase()),
            SortBy::Login => items.sort_by(|a, b| a.login.cmp(&b.login)),
            SortBy::Expires => items.sort_by_key(|c| c.expires_at),
            SortBy::Created => items.sort_by_key(|c| c.id),
        }
        if self.desc {
            items.reverse();
        }
        let total = items.len();
        if self.per > 0 {
            items = items
                .into_iter()
                .skip(self.page.saturating_mul(self.per))
                .take(self.per)
                .collect();
        }
        // The scan read summaries; the page gets whole records.
        let mut full = Vec::with_capacity(items.len());
        for c in items {
            if let Some(c) = r.get::<Customer>(c.id)? {
                full.push(c);
            }
        }
        Ok(CustomerPage { items: full, total })
    }
}
