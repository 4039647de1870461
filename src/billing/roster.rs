//! The customers in memory, one small row each, so a list filters and sorts without reading
//! the store: built once from the customer summaries and kept in step with every commit
//! through the store's change log (`Store::changed`). Only the page's customers are then read
//! whole. Answers are those of `CustomerQuery::run`, which stays the reference (and the path
//! for a reader inside a transaction).

use super::customer::{Customer, CustomerKind, Shown, Status};
use super::query::{CustomerPage, CustomerQuery, SortBy};
use crate::store::{Current, Follower, Kind, Model, Read, Reader, Store, StoreError, Summary};
use jiff::Timestamp;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One customer: what the filters and sorts read, and the name lists show.
struct Row {
    id: u64,
    router: u64,
    plan: u64,
    expires: Timestamp,
    /// The name, the login as stored, then lower-cased the name, login, phone, e-mail and
    /// registration number; NUL between each.
    text: Box<str>,
    /// Where the name, the login and the lower-cased name end in `text`.
    ends: [u32; 3],
    /// The first 16 bytes of the lower-cased name and of the login, big-endian: they order
    /// as the strings do wherever they differ, so most comparisons read no text.
    prefix: [u128; 2],
    kind: CustomerKind,
    status: Status,
    archived: bool,
}

impl Row {
    fn of(c: &Customer) -> Row {
        let mut text = String::with_capacity(2 * (c.name.len() + c.login.len()) + 40);
        let mut ends = [0; 3];
        let fields = [&c.name, &c.login];
        let lower = [&c.name, &c.login, &c.phone, &c.email, &c.reg_no];
        for (i, f) in fields.iter().enumerate() {
            text.push_str(f);
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            text.push('\0');
        }
        for (i, f) in lower.iter().enumerate() {
            text.push_str(&f.to_lowercase());
            if i == 0 {
                ends[2] = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
            text.push('\0');
        }
        text.pop();
        let prefix = |s: &str| {
            let mut b = [0; 16];
            for (to, from) in b.iter_mut().zip(s.bytes()) {
                *to = from;
            }
            u128::from_be_bytes(b)
        };
        let mut row = Row {
            id: c.id,
            router: c.router_id,
            plan: c.plan_id,
            expires: c.expires_at,
            text: text.into(),
            ends,
            prefix: [0; 2],
            kind: c.kind,
            status: c.status,
            archived: c.archived,
        };
        row.prefix = [prefix(row.lower_name()), prefix(row.login())];
        row
    }
    fn part(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or("")
    }
    fn at(&self, i: usize) -> usize {
        usize::try_from(self.ends[i]).unwrap_or(usize::MAX)
    }
    fn name(&self) -> &str {
        self.part(0, self.at(0))
    }
    fn login(&self) -> &str {
        self.part(self.at(0) + 1, self.at(1))
    }
    fn lower_name(&self) -> &str {
        self.part(self.at(1) + 1, self.at(2))
    }
    /// The lower-cased fields a search matches, NUL between them.
    fn search(&self) -> &str {
        self.text.get(self.at(1) + 1..).unwrap_or("")
    }
    fn shown(&self, now: Timestamp) -> Shown {
        match self.status {
            Status::Active if now >= self.expires => Shown::Expired,
            Status::Active => Shown::Active,
            Status::Suspended => Shown::Suspended,
            Status::Disabled => Shown::Disabled,
        }
    }
}

/// Each pair of adjacent bytes of `text` as one of 128 bits. Every pair of a substring is a
/// pair of the text, so a substring's bits are among the text's.
fn grams(text: &str) -> u128 {
    text.as_bytes().windows(2).fold(0, |m, w| {
        let pair = (u32::from(w[0]) << 8) | u32::from(w[1]);
        m | (1 << (pair.wrapping_mul(0x9E37_79B1) >> 25))
    })
}

/// A match with its sort key: ordered as the list is, by (key, text on a tie, id), reversed
/// when descending.
struct Hit<'a> {
    key: u128,
    row: &'a Row,
    q: &'a CustomerQuery,
}

impl Ord for Hit<'_> {
    fn cmp(&self, b: &Self) -> Ordering {
        let (x, y) = (self.row, b.row);
        let o = self
            .key
            .cmp(&b.key)
            .then_with(|| match self.q.sort {
                SortBy::Name => x.lower_name().cmp(y.lower_name()),
                SortBy::Login => x.login().cmp(y.login()),
                SortBy::Expires | SortBy::Created => Ordering::Equal,
            })
            .then(x.id.cmp(&y.id));
        if self.q.desc { o.reverse() } else { o }
    }
}

impl PartialOrd for Hit<'_> {
    fn partial_cmp(&self, b: &Self) -> Option<Ordering> {
        Some(self.cmp(b))
    }
}

impl PartialEq for Hit<'_> {
    fn eq(&self, b: &Self) -> bool {
        self.row.id == b.row.id
    }
}

impl Eq for Hit<'_> {}

#[derive(Default)]
pub struct Rows {
    /// By id.
    rows: Vec<Row>,
    /// Each row's byte pairs of its search text, hashed to one bit each (`grams`), in the
    /// rows' order: a row whose bits lack one of the needle's cannot hold it. Kept apart from
    /// the rows so that a search reads 16 bytes a customer, not a whole row, to pass most by.
    grams: Vec<u128>,
}

impl Model for Rows {
    const KINDS: &'static [Kind] = &[Kind::Customers];

    fn rebuild(&mut self, r: &Read) -> Result<(), StoreError> {
        let mut rows = Vec::with_capacity(self.rows.len());
        super::summary::scan(r, |c| {
            rows.push(Row::of(&c));
            true
        })?;
        rows.shrink_to_fit();
        self.grams = rows.iter().map(|r| grams(r.search())).collect();
        self.rows = rows;
        Ok(())
    }

    fn refresh(&mut self, r: &Read, _: Kind, id: u64) -> Result<(), StoreError> {
        match r.summary(Summary::Customers, id)? {
            Some(bytes) => self.put(Row::of(&decode(id, &bytes)?)),
            None => self.remove(id),
        }
        Ok(())
    }
}

impl Rows {
    fn put(&mut self, row: Row) {
        let g = grams(row.search());
        match self.rows.binary_search_by_key(&row.id, |r| r.id) {
            Ok(i) => (self.rows[i], self.grams[i]) = (row, g),
            Err(i) => {
                self.rows.insert(i, row);
                self.grams.insert(i, g);
            }
        }
    }
    fn remove(&mut self, id: u64) {
        if let Ok(i) = self.rows.binary_search_by_key(&id, |r| r.id) {
            self.rows.remove(i);
            self.grams.remove(i);
        }
    }
    /// The rows that may hold every byte pair of `wanted` (all of them when it is 0).
    fn candidates(&self, wanted: u128) -> impl DoubleEndedIterator<Item = &Row> {
        // No search reads no filter at all.
        let may = move |(i, _): &(usize, &Row)| {
            wanted == 0 || self.grams.get(*i).is_some_and(|g| g & wanted == wanted)
        };
        self.rows.iter().enumerate().filter(may).map(|(_, r)| r)
    }
    fn get(&self, id: u64) -> Option<&Row> {
        let i = self.rows.binary_search_by_key(&id, |r| r.id).ok()?;
        self.rows.get(i)
    }
}

/// How much of each customer of a page is read.
#[derive(Clone, Copy)]
enum Detail {
    Whole,
    Summary,
}

/// The read model; cheap to clone (every clone is the same model). Pair it with one store.
#[derive(Clone, Default)]
pub struct Roster(Follower<Rows>);

fn decode(id: u64, bytes: &[u8]) -> Result<Customer, StoreError> {
    super::summary::decode(id, bytes)
        .ok_or_else(|| StoreError::Corrupt(format!("customer summary {id}")))
}

impl Roster {
    /// Brings the rows up to the store's latest commit (`store::Follower::sync`).
    pub fn sync(&self, store: &Store) -> Result<Current<'_, Rows>, StoreError> {
        self.0.sync(store)
    }

    /// `q.run` over the rows: the same customers, total and order.
    pub fn query(
        &self,
        store: &Store,
        q: &CustomerQuery,
        now: Timestamp,
    ) -> Result<CustomerPage, StoreError> {
        self.read(store, q, now, Detail::Whole)
    }

    fn read(
        &self,
        store: &Store,
        q: &CustomerQuery,
        now: Timestamp,
        detail: Detail,
    ) -> Result<CustomerPage, StoreError> {
        let (ids, total) = self.ids(store, q, now)?;
        store.read(|r| {
            let mut items = Vec::with_capacity(ids.len());
            for id in ids {
                let c = match detail {
                    Detail::Whole => r.get::<Customer>(id)?,
                    Detail::Summary => match r.summary(Summary::Customers, id)? {
                        Some(bytes) => Some(decode(id, &bytes)?),
                        None => None,
                    },
                };
                items.extend(c);
            }
            Ok(CustomerPage { items, total })
        })
    }

    /// The ids of the page in order (every match when `q.per` is 0), and how many matched:
    /// for a reader that then reads the customers inside its own transaction (exports, message
    /// recipients).
    pub fn ids(
        &self,
        store: &Store,
        q: &CustomerQuery,
        now: Timestamp,
    ) -> Result<(Vec<u64>, usize), StoreError> {
        let needle = q.q.trim().to_lowercase();
        if needle.contains('\0') {
            // No stored field holds a control character (`validate`), so nothing matches.
            return Ok((Vec::new(), 0));
        }
        let rows = self.sync(store)?;
        Ok(self.matching_in(&rows, q, now, &needle))
    }

    fn matching_in<'a>(
        &self,
        m: &'a Rows,
        q: &'a CustomerQuery,
        now: Timestamp,
        needle: &str,
    ) -> (Vec<u64>, usize) {
        let horizon = q.expiring_days.map(|days| {
            now.saturating_add(jiff::SignedDuration::from_hours(
                i64::from(days.min(36_600)) * 24,
            ))
            .unwrap_or(Timestamp::MAX)
        });
        let wanted = grams(needle);
        let keep = |c: &&Row| {
            (q.include_archived || !c.archived)
                && q.kind.is_none_or(|k| k == c.kind)
                && q.plan_id.is_none_or(|p| p == c.plan)
                && q.router_id.is_none_or(|r| r == c.router)
                && q.status.is_none_or(|s| s == c.shown(now))
                && horizon.is_none_or(|h| {
                    c.status == Status::Active && !c.archived && now < c.expires && c.expires <= h
                })
                && (needle.is_empty() || c.search().contains(needle))
        };
        let key = |c: &Row| match q.sort {
            SortBy::Name => c.prefix[0],
            SortBy::Login => c.prefix[1],
            // Order-preserving: the sign bit flipped.
            SortBy::Expires => {
                u128::from_be_bytes((c.expires.as_nanosecond() ^ i128::MIN).to_be_bytes())
            }
            // Ids follow creation.
            SortBy::Created => u128::from(c.id),
        };
        let (from, per) = (q.page.saturating_mul(q.per), q.per);
        let to = from.saturating_add(per);
        if per > 0 && to <= 5_000 {
            // A first page (or a near one): the best `to` in one pass, no sort of every match.
            let mut best = std::collections::BinaryHeap::with_capacity(to + 1);
            let mut total = 0;
            // The worst kept key once the heap is full: a row beyond it loses on its key
            // alone, without a comparison of whole hits.
            let mut bar: Option<u128> = None;
            let mut visit = |c: &'a Row| {
                total += 1;
                let k = key(c);
                if bar.is_some_and(|b| if q.desc { k < b } else { k > b }) {
                    return;
                }
                let h = Hit { key: k, row: c, q };
                if best.len() < to {
                    best.push(h);
                } else if best.peek().is_some_and(|worst| h < *worst) {
                    best.pop();
                    best.push(h);
                }
                if best.len() == to {
                    bar = best.peek().map(|w: &Hit| w.key);
                }
            };
            // In the order of the ties (by id), so that most rows lose at once.
            if q.desc {
                m.candidates(wanted).rev().filter(keep).for_each(&mut visit);
            } else {
                m.candidates(wanted).filter(keep).for_each(&mut visit);
            }
            let ids = best
                .into_sorted_vec()
                .into_iter()
                .skip(from)
                .map(|h| h.row.id);
            return (ids.collect(), total);
        }
        let mut hits: Vec<Hit> = m
            .candidates(wanted)
            .filter(keep)
            .map(|c| Hit {
                key: key(c),
                row: c,
                q,
            })
            .collect();
        let total = hits.len();
        hits.sort_unstable();
        let (from, to) = match per {
            0 => (0, total),
            _ => (from.min(total), to.min(total)),
        };
        let ids = hits.get(from..to).unwrap_or(&[]).iter().map(|h| h.row.id);
        (ids.collect(), total)
    }

    /// The names of these customers (those that exist), for lists of payments, bills and
    /// the like.
    pub fn names(
        &self,
        store: &Store,
        ids: impl IntoIterator<Item = u64>,
    ) -> Result<HashMap<u64, String>, StoreError> {
        let m = self.sync(store)?;
        Ok(ids
            .into_iter()
            .filter_map(|id| Some((id, m.get(id)?.name().to_string())))
            .collect())
    }

    /// Customers held and the bytes they take (rows and their text).
    pub fn size(&self) -> (usize, usize) {
        let m = self.0.peek();
        let text: usize = m.rows.iter().map(|r| r.text.len()).sum();
        (
            m.rows.len(),
            m.rows.capacity() * std::mem::size_of::<Row>() + m.grams.capacity() * 16 + text,
        )
    }

    /// `query` on the blocking pool.
    pub async fn query_async(
        &self,
        store: &Store,
        q: CustomerQuery,
        now: Timestamp,
    ) -> Result<CustomerPage, StoreError> {
        self.read_async(store, q, now, Detail::Whole).await
    }

    /// `query_async` with each customer's summary (`model::summary`: what a list shows, no
    /// address, notes or secrets) instead of the whole record: a binary decode, not JSON.
    pub async fn summaries_async(
        &self,
        store: &Store,
        q: CustomerQuery,
        now: Timestamp,
    ) -> Result<CustomerPage, StoreError> {
        self.read_async(store, q, now, Detail::Summary).await
    }

    async fn read_async(
        &self,
        store: &Store,
        q: CustomerQuery,
        now: Timestamp,
        detail: Detail,
    ) -> Result<CustomerPage, StoreError> {
        let (me, store) = (self.clone(), store.clone());
        crate::store::blocking("list", move || me.read(&store, &q, now, detail)).await
    }

    /// `names` on the blocking pool.
    pub async fn names_async(
        &self,
        store: &Store,
        ids: Vec<u64>,
    ) -> Result<HashMap<u64, String>, StoreError> {
        let (me, store) = (self.clone(), store.clone());
        crate::store::blocking("names", move || me.names(&store, ids)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::customer::reindex;

    fn write(store: &Store, before: Option<&Customer>, after: Option<&Customer>) {
        store
            .write(|w| {
                match (before, after) {
                    (_, Some(a)) => w.put(a.id, a)?,
                    (Some(b), None) => assert!(w.remove::<Customer>(b.id)?),
                    (None, None) => {}
                }
                reindex(w, before, after)
            })
            .unwrap();
    }

    const NAMES: [&str; 6] = [
        "Бат-Эрдэнэ",
        "бат-эрдэнэ",
        "Сарнай",
        "ALTAN",
        "altan",
        "Zaya",
    ];

    fn varied(i: u64, now: Timestamp) -> Customer {
        let hours = i64::try_from(i % 97).unwrap() * 7 - 200;
        Customer {
            id: i,
            kind: if i.is_multiple_of(3) {
                CustomerKind::Organization
            } else {
                CustomerKind::Individual
            },
            name: format!("{} {}", NAMES[usize::try_from(i % 6).unwrap()], i % 11),
            login: format!(
                "{}u{:03}",
                if i.is_multiple_of(4) { "A" } else { "a" },
                i % 50
            ),
            phone: format!("+976 99{:06}", i * 37),
            email: format!("x{i}@Mail.MN"),
            reg_no: format!("РД{i:04}"),
            router_id: 1 + i % 3,
            plan_id: 1 + i % 4,
            status: [
                Status::Active,
                Status::Active,
                Status::Suspended,
                Status::Disabled,
            ][usize::try_from(i % 4).unwrap()],
            archived: i.is_multiple_of(13),
            // Ties in expiry, so the order among equals is checked too.
            expires_at: now + jiff::SignedDuration::from_hours(hours - hours % 3),
            created_at: now,
            ..Default::default()
        }
    }

    fn seeded() -> (tempfile::TempDir, Store, Timestamp) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        store
            .write(|w| {
                for i in 1..=240 {
                    let c = varied(i, now);
                    w.put(i, &c)?;
                    reindex(w, None, Some(&c))?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();
        (dir, store, now)
    }

    fn ids(p: &CustomerPage) -> (Vec<u64>, usize) {
        (p.items.iter().map(|c| c.id).collect(), p.total)
    }

    /// The model's answer against the reference scan over the summaries.
    fn same(roster: &Roster, store: &Store, q: &CustomerQuery, now: Timestamp) {
        let want = store.read(|r| q.run(r, now)).unwrap();
        let got = roster.query(store, q, now).unwrap();
        assert_eq!(ids(&got), ids(&want), "{q:?}");
        assert_eq!(got.items, want.items, "whole records");
    }

    fn queries() -> Vec<CustomerQuery> {
        let mut out = Vec::new();
        let needles = [
            "", "бат", "БАТ", "Altan", "99", "976 99", "mail.mn", "рд0", "au0", "zz",
        ];
        for sort in [
            SortBy::Name,
            SortBy::Login,
            SortBy::Expires,
            SortBy::Created,
        ] {
            for desc in [false, true] {
                for (n, needle) in needles.iter().enumerate() {
                    for f in 0..8_usize {
                        out.push(CustomerQuery {
                            q: (*needle).into(),
                            kind: (f % 2 == 1).then_some(CustomerKind::Organization),
                            router_id: (f & 2 != 0).then_some(2),
                            plan_id: (n % 3 == 1).then_some(3),
                            status: match (f + n) % 5 {
                                0 => Some(Shown::Active),
                                1 => Some(Shown::Expired),
                                2 => Some(Shown::Suspended),
                                _ => None,
                            },
                            expiring_days: (f & 4 != 0).then_some(u32::try_from(n).unwrap()),
                            include_archived: n % 2 == 0,
                            sort,
                            desc,
                            page: f % 3,
                            per: [10, 0, 7][n % 3],
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_filter_and_sort_answers_as_the_scan_does() {
        let (_dir, store, now) = seeded();
        let roster = Roster::default();
        let qs = queries();
        assert!(qs.len() > 600);
        for q in &qs {
            same(&roster, &store, q, now);
        }
        let (n, bytes) = roster.size();
        assert_eq!(n, 240);
        assert!(bytes < 240 * 250, "{bytes} bytes for 240 customers");
    }

    #[test]
    fn cyrillic_and_phone_fragments_are_found() {
        let (_dir, store, now) = seeded();
        let roster = Roster::default();
        let found = |q: &str| {
            let q = CustomerQuery {
                q: q.into(),
                include_archived: true,
                ..Default::default()
            };
            roster.query(&store, &q, now).unwrap().total
        };
        assert_eq!(found("Бат"), 80, "both spellings of the name");
        assert_eq!(found("бат-эрдэнэ 3"), found("БАТ-ЭРДЭНЭ 3"));
        assert_eq!(found("976 99000037"), 1, "a phone fragment");
        assert_eq!(found("  sarnai "), 0);
        assert_eq!(found(" сарнай "), 40, "trimmed, lower-cased");
    }

    #[test]
    fn the_model_follows_every_kind_of_change_and_rebuilds_when_lost() {
        let (_dir, store, now) = seeded();
        let roster = Roster::default();
        let checks = [
            CustomerQuery {
                q: "Тэмүүжин".into(),
                include_archived: true,
                ..Default::default()
            },
            CustomerQuery {
                sort: SortBy::Expires,
                desc: true,
                per: 5,
                ..Default::default()
            },
            CustomerQuery {
                router_id: Some(3),
                plan_id: Some(2),
                sort: SortBy::Login,
                ..Default::default()
            },
            CustomerQuery {
                q: "88112233".into(),
                status: Some(Shown::Active),
                ..Default::default()
            },
            CustomerQuery {
                expiring_days: Some(400),
                sort: SortBy::Name,
                ..Default::default()
            },
        ];
        let all = |roster: &Roster| {
            for q in &checks {
                same(roster, &store, q, now);
            }
        };
        all(&roster);
        let get = |id| store.read(|r| r.get::<Customer>(id)).unwrap().unwrap();
        let edit = |id, f: &dyn Fn(&mut Customer)| {
            let before = get(id);
            let mut after = before.clone();
            f(&mut after);
            write(&store, Some(&before), Some(&after));
        };
        let found = |q: &str| {
            let q = CustomerQuery {
                q: q.into(),
                include_archived: true,
                ..Default::default()
            };
            ids(&roster.query(&store, &q, now).unwrap()).0
        };
        edit(5, &|c| c.name = "Тэмүүжин".into());
        assert_eq!(found("тэмүүж"), [5], "a rename");
        all(&roster);
        edit(6, &|c| c.phone = "88112233".into());
        assert_eq!(found("8811"), [6], "a phone change");
        edit(6, &|c| {
            c.expires_at = now + jiff::SignedDuration::from_hours(24 * 300)
        });
        let soonest_last = roster.query(&store, &checks[1], now).unwrap();
        assert_eq!(soonest_last.items[0].id, 6, "a payment moved the expiry");
        all(&roster);
        edit(7, &|c| {
            c.expires_at = now + jiff::SignedDuration::from_hours(24 * 301)
        });
        assert_eq!(
            roster.query(&store, &checks[1], now).unwrap().items[0].id,
            7
        );
        edit(8, &|c| (c.router_id, c.plan_id) = (3, 2));
        edit(9, &|c| c.plan_id = 2);
        all(&roster);
        edit(10, &|c| c.archived = true);
        assert_eq!(found("x10@"), [10], "archived, still listed when asked");
        let q = CustomerQuery {
            q: "x10@".into(),
            ..Default::default()
        };
        assert_eq!(roster.query(&store, &q, now).unwrap().total, 0, "archived");
        write(&store, Some(&get(11)), None);
        assert!(found("x11@").is_empty(), "deleted");
        let mut new = varied(11, now);
        new.id = 500;
        new.name = "Шинэ Тэмүүжин".into();
        write(&store, None, Some(&new));
        assert_eq!(
            found("тэмүүж"),
            [5, 500],
            "created, in name order (Т before Ш)"
        );
        all(&roster);
        assert_eq!(
            roster.names(&store, [5, 11, 500]).unwrap(),
            HashMap::from([(5, "Тэмүүжин".into()), (500, "Шинэ Тэмүүжин".into())])
        );

        // A model from another store is older than any log: it rebuilds from this one.
        let other_dir = tempfile::tempdir().unwrap();
        let other = Store::open(other_dir.path()).unwrap();
        for i in 0..store.generation() + 3 {
            // A write that writes nothing commits nothing: each must change something.
            other.write(|w| w.marker_put("test", i)).unwrap();
        }
        let stale = Roster::default();
        stale.sync(&other).unwrap();
        assert!(matches!(
            store.changed(&[Kind::Customers], stale.0.seen().unwrap()),
            crate::store::Changed::Lost { .. }
        ));
        all(&stale);
        assert_eq!(stale.size().0, roster.size().0);
    }
}
