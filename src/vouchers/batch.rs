//! A batch of cards made at once: the form as typed (`BatchDraft`), checked into `BatchInput`,
//! and written with every card, its code indexed, in one transaction.

use super::codes;
use crate::audit::{self, Actor};
use crate::billing::{Plan, ServiceKind};
use crate::error::{Error, Result};
use crate::i18n::Msg;
use crate::model::Money;
use crate::model::customer::login_key;
use crate::model::voucher::{Batch, Card, CodeStyle, LoginMode, Validity};
use crate::network::Router;
use crate::store::{Index, Kind, Reader, Set, Write};
use crate::validate::Problems;
use jiff::Timestamp;

pub const MAX_CARDS: u32 = 10_000;
const MAX_PREFIX: usize = 8;
/// A PIN's digits, for code-and-PIN cards.
const PIN_LENGTH: u8 = 6;
/// The codes a batch may use are at most this share of what its style and length allow: a code
/// cannot be found by trying a few, and drawing one that is free takes a try or two.
const SPARSENESS: u64 = 1_000;
/// Draws of one card's code before giving up (with the sparseness above, never reached).
const MAX_DRAWS: u32 = 50;

/// The form as submitted.
#[derive(Debug, Clone, Default)]
pub struct BatchDraft {
    pub router_ids: Vec<String>,
    pub plan_id: String,
    pub count: String,
    pub style: String,
    pub length: String,
    pub prefix: String,
    pub login_mode: String,
    /// In major units, as the counter types money.
    pub price: String,
    /// `first_login` or `until`.
    pub validity: String,
    pub until: String,
    pub limit_uptime: String,
    /// Bytes, or with a `K`, `M` or `G` suffix.
    pub limit_bytes_total: String,
    pub note: String,
}

/// A checked batch, ready to make.
#[derive(Debug, Clone)]
pub struct BatchInput {
    pub routers: Vec<Router>,
    pub plan: Plan,
    pub count: u32,
    pub style: CodeStyle,
    pub length: u8,
    pub prefix: String,
    pub login_mode: LoginMode,
    pub price: Money,
    pub validity: Validity,
    pub limit_uptime: String,
    pub limit_bytes_total: u64,
    pub note: String,
}

/// RouterOS durations as `limit-uptime` takes them: `30m`, `1d12h`, `2w`.
fn valid_uptime(s: &str) -> bool {
    let mut rest = s;
    let mut units = "wdhms";
    if rest.is_empty() || rest.len() > 20 {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 6 {
            return false;
        }
        let Some(unit) = rest[digits..].chars().next() else {
            return false;
        };
        let Some(at) = units.find(unit) else {
            return false;
        };
        units = &units[at + 1..];
        rest = &rest[digits + 1..];
    }
    true
}

/// `500M`, `2G`, `1048576` → bytes.
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, scale) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)?
        .checked_mul(scale)
}

impl BatchDraft {
    /// Checks every field against the store, reporting all problems at once.
    pub fn check(
        &self,
        r: &impl Reader,
        now: Timestamp,
        tz: &jiff::tz::TimeZone,
        exponent: u8,
    ) -> Result<BatchInput> {
        let mut p = Problems::default();
        let mut routers = Vec::new();
        for id in &self.router_ids {
            match id
                .trim()
                .parse()
                .ok()
                .map(|id| r.get::<Router>(id))
                .transpose()?
            {
                Some(Some(router)) if !router.hotspot_server.is_empty() => {
                    if !routers.iter().any(|x: &Router| x.id == router.id) {
                        routers.push(router);
                    }
                }
                Some(Some(_)) => p.add("router_ids", Msg::VoucherNeedsHotspot),
                _ => p.add("router_ids", Msg::UnknownRouter),
            }
        }
        if self.router_ids.is_empty() {
            p.add("router_ids", Msg::Required);
        }
        let plan = match self
            .plan_id
            .trim()
            .parse()
            .ok()
            .map(|id| r.get::<Plan>(id))
            .transpose()?
        {
            Some(Some(plan)) if plan.kind == ServiceKind::Hotspot => Some(plan),
            Some(Some(_)) => {
                p.add("plan_id", Msg::VoucherNeedsHotspotPlan);
                None
            }
            _ => {
                p.add("plan_id", Msg::UnknownPlan);
                None
            }
        };
        let count = self
            .count
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_CARDS).contains(n));
        if count.is_none() {
            p.add_arg("count", Msg::CountUpTo, MAX_CARDS);
        }
        let style = CodeStyle::parse(self.style.trim());
        if style.is_none() {
            p.add("style", Msg::InvalidChoice);
        }
        let style = style.unwrap_or(CodeStyle::Letters);
        let range = codes::lengths(style);
        let length = self
            .length
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|n| range.contains(n));
        if length.is_none() {
            p.add_arg(
                "length",
                Msg::CharactersBetween,
                format!("{}–{}", range.start(), range.end()),
            );
        }
        if let (Some(n), Some(len)) = (count, length)
            && codes::space(style, len) / SPARSENESS < u64::from(n)
        {
            p.add("length", Msg::VoucherCodesTooShort);
        }
        let prefix = self.prefix.trim().to_ascii_uppercase();
        if prefix.len() > MAX_PREFIX || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            p.add_arg("prefix", Msg::VoucherPrefix, MAX_PREFIX);
        }
        let login_mode = LoginMode::parse(self.login_mode.trim());
        if login_mode.is_none() {
            p.add("login_mode", Msg::InvalidChoice);
        }
        let price = match Money::parse_major(&self.price, exponent) {
            Ok(m) => Some(m),
            Err(m) => {
                p.add("price", m);
                None
            }
        };
        let validity = match self.validity.trim() {
            "" | "first_login" => Some(Validity::FromFirstLogin),
            "until" => match crate::billing::customer::parse_time(&self.until, tz) {
                Some(t) if t > now => Some(Validity::Until(t)),
                Some(_) => {
                    p.add("until", Msg::VoucherUntilPast);
                    None
                }
                None => {
                    p.add("until", Msg::InvalidDateTime);
                    None
                }
            },
            _ => {
                p.add("validity", Msg::InvalidChoice);
                None
            }
        };
        let limit_uptime = self.limit_uptime.trim().to_ascii_lowercase();
        if !limit_uptime.is_empty() && !valid_uptime(&limit_uptime) {
            p.add("limit_uptime", Msg::VoucherUptime);
        }
        let limit_bytes_total = match self.limit_bytes_total.trim() {
            "" => 0,
            s => parse_bytes(s).unwrap_or_else(|| {
                p.add("limit_bytes_total", Msg::VoucherBytes);
                0
            }),
        };
        let note = p.text("note", &self.note, 300, false, true);
        p.check()?;
        let (Some(plan), Some(count), Some(length), Some(login_mode), Some(price), Some(validity)) =
            (plan, count, length, login_mode, price, validity)
        else {
            return Err(Error::Internal("batch check without problems".into()));
        };
        Ok(BatchInput {
            routers,
            plan,
            count,
            style,
            length,
            prefix,
            login_mode,
            price,
            validity,
            limit_uptime,
            limit_bytes_total,
            note,
        })
    }
}

/// A code free everywhere: no other card's, and no customer's login on the card's router.
fn free_code(w: &Write, input: &BatchInput, router_id: u64) -> Result<String> {
    for _ in 0..MAX_DRAWS {
        let code = codes::draw(input.style, input.length, &input.prefix);
        if w.index_get(Index::VoucherCode, &code)?.is_none()
            && w.index_get(Index::CustomerLogin, &login_key(router_id, &code))?
                .is_none()
        {
            return Ok(code);
        }
    }
    Err(Error::Invalid(Problems::one(
        "length",
        Msg::VoucherCodesTooShort,
    )))
}

/// Makes the batch and every card (spread over its routers in turn), in the caller's
/// transaction; `seal` seals a PIN.
pub fn create(
    w: &mut Write,
    now: Timestamp,
    actor: &Actor,
    input: &BatchInput,
    seal: impl Fn(&str) -> String,
) -> Result<Batch> {
    let id = w.next_id(Kind::VoucherBatches)?;
    let batch = Batch {
        id,
        router_ids: input.routers.iter().map(|r| r.id).collect(),
        plan_id: input.plan.id,
        count: input.count,
        style: input.style,
        length: input.length,
        prefix: input.prefix.clone(),
        login_mode: input.login_mode,
        price: input.price.minor(),
        validity: input.validity,
        duration_secs: input.plan.duration().as_secs(),
        limit_uptime: input.limit_uptime.clone(),
        limit_bytes_total: input.limit_bytes_total,
        note: input.note.clone(),
        created_at: now,
        created_by: actor.username.clone(),
    };
    w.put(id, &batch)?;
    let expires_at = match input.validity {
        Validity::Until(t) => Some(t),
        Validity::FromFirstLogin => None,
    };
    for n in 0..input.count {
        let router_id = batch.router_ids[n as usize % batch.router_ids.len()];
        let code = free_code(w, input, router_id)?;
        let card_id = w.next_id(Kind::VoucherCards)?;
        let pin_sealed = match input.login_mode {
            LoginMode::CodeOnly => String::new(),
            LoginMode::CodeAndPin => seal(&codes::pin(PIN_LENGTH)),
        };
        w.index_put(Index::VoucherCode, &code, card_id)?;
        w.set_add(Set::VoucherCardsByBatch, id, card_id)?;
        w.set_add(Set::VoucherCardsByRouter, router_id, card_id)?;
        let card = Card {
            id: card_id,
            batch_id: id,
            router_id,
            code,
            pin_sealed,
            first_used_at: None,
            expires_at,
            voided_at: None,
            agent_id: None,
            handed_at: None,
            sold_at: None,
            agent_commission: 0,
        };
        super::card::expiry_moved(w, None, &card)?;
        w.put(card_id, &card)?;
    }
    audit::record(
        w,
        now,
        actor,
        "create",
        "voucher_batch",
        id,
        audit::snapshot(&serde_json::json!({
            "cards": input.count,
            "plan_id": input.plan.id,
            "price": input.price.minor(),
        })),
    )?;
    Ok(batch)
}

/// The batch's cards, in the order they were made.
pub fn cards(
    r: &impl Reader,
    batch_id: u64,
) -> std::result::Result<Vec<Card>, crate::store::StoreError> {
    let mut out = Vec::new();
    for id in r.set_members(Set::VoucherCardsByBatch, batch_id)? {
        if let Some(c) = r.get::<Card>(id)? {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Via;
    use crate::store::Store;

    fn actor() -> Actor {
        Actor {
            admin_id: Some(1),
            username: "boss".into(),
            via: Via::Web,
            ip: None,
        }
    }

    /// A store with a hotspot router (1), a PPPoE-only router (2) and a hotspot package (1).
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|w| {
                for (id, hotspot) in [(1, "all"), (2, "")] {
                    let r: Router = serde_json::from_value(serde_json::json!({
                        "id": id, "name": format!("r{id}"), "host": "h", "port": 8728, "tls": false,
                        "username": "u", "password_sealed": "", "login_method": "auto",
                        "hotspot_server": hotspot, "pppoe": true, "created_at": "2024-01-01T00:00:00Z"
                    }))
                    .unwrap();
                    w.put(id, &r)?;
                }
                let plan: Plan = serde_json::from_value(serde_json::json!({
                    "id": 1, "name": "Day", "kind": "hotspot", "price": 100_000, "duration_days": 1,
                    "download": "5M", "upload": "1M", "shared_users": 1, "profile": "Day",
                    "active": true, "created_at": "2024-01-01T00:00:00Z"
                }))
                .unwrap();
                w.put(1, &plan)?;
                Ok::<_, Error>(())
            })
            .unwrap();
        (dir, store)
    }

    fn draft(count: &str) -> BatchDraft {
        BatchDraft {
            router_ids: vec!["1".into()],
            plan_id: "1".into(),
            count: count.into(),
            style: "letters".into(),
            length: "8".into(),
            prefix: "tn".into(),
            login_mode: "code".into(),
            price: "1000".into(),
            ..BatchDraft::default()
        }
    }

    fn make(store: &Store, d: &BatchDraft) -> Result<Batch> {
        let now = Timestamp::now();
        store.write(|w| {
            let input = d.check(w, now, &jiff::tz::TimeZone::UTC, 2)?;
            create(w, now, &actor(), &input, |pin| format!("sealed:{pin}"))
        })
    }

    #[test]
    fn a_batch_makes_every_card_with_a_code_unique_across_batches() {
        let (_dir, store) = store();
        let a = make(&store, &draft("3000")).unwrap();
        let b = make(&store, &draft("3000")).unwrap();
        let (ca, cb) = store
            .read(|r| Ok::<_, Error>((cards(r, a.id)?, cards(r, b.id)?)))
            .unwrap();
        assert_eq!((ca.len(), cb.len()), (3000, 3000));
        let mut codes: Vec<&str> = ca.iter().chain(&cb).map(|c| c.code.as_str()).collect();
        assert!(codes.iter().all(|c| c.starts_with("TN") && c.len() == 10));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 6000, "no code twice");
        assert_eq!(a.price, 100_000, "1,000 ₮ in minor units");
        assert!(
            ca.iter()
                .all(|c| c.expires_at.is_none() && c.pin_sealed.is_empty())
        );
    }

    #[test]
    fn bad_input_is_refused_whole_and_writes_nothing() {
        let (_dir, store) = store();
        let mut d = draft("20000");
        d.router_ids = vec!["2".into(), "9".into()];
        d.length = "3".into();
        d.prefix = "TOO-LONG-PREFIX".into();
        d.limit_uptime = "1h1d".into();
        d.limit_bytes_total = "lots".into();
        d.validity = "until".into();
        d.until = "2001-01-01T00:00".into();
        let Err(Error::Invalid(p)) = make(&store, &d) else {
            panic!("refused");
        };
        for field in [
            "router_ids",
            "count",
            "length",
            "prefix",
            "limit_uptime",
            "limit_bytes_total",
            "until",
        ] {
            assert!(p.get(field).is_some(), "{field}: {p:?}");
        }
        let n = store
            .read(|r| Ok::<_, Error>(r.count::<Card>()? + r.count::<Batch>()?))
            .unwrap();
        assert_eq!(n, 0);
        // Short codes for many cards are refused: they could be guessed.
        let mut d = draft("2000");
        d.style = "digits".into();
        d.length = "6".into();
        let Err(Error::Invalid(p)) = make(&store, &d) else {
            panic!("refused");
        };
        assert!(p.get("length").is_some());
    }

    #[test]
    fn pin_cards_carry_a_sealed_pin_and_fixed_date_cards_their_end() {
        let (_dir, store) = store();
        let mut d = draft("5");
        d.login_mode = "code_pin".into();
        d.validity = "until".into();
        d.until = "2099-06-30T18:00".into();
        let b = make(&store, &d).unwrap();
        let cs = store.read(|r| cards(r, b.id)).unwrap();
        assert!(
            cs.iter()
                .all(|c| c.pin_sealed.starts_with("sealed:") && c.pin_sealed.len() == 13)
        );
        let end: Timestamp = "2099-06-30T18:00:00Z".parse().unwrap();
        assert!(cs.iter().all(|c| c.expires_at == Some(end)));
    }

    #[test]
    fn a_customer_cannot_take_a_cards_code() {
        let (dir, store) = store();
        let b = make(&store, &draft("1")).unwrap();
        let code = store.read(|r| cards(r, b.id)).unwrap()[0].code.clone();
        let secrets = crate::network::SecretBox::open(dir.path()).unwrap();
        let d = crate::billing::customer::CustomerDraft {
            kind: "individual".into(),
            name: "Bat".into(),
            login: code.clone(),
            password: "pw-123".into(),
            router_id: "1".into(),
            plan_id: "1".into(),
            status: "active".into(),
            expires_at: "2099-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        let refused = store.write(|w| {
            crate::billing::customer::create(
                w,
                Timestamp::now(),
                &actor(),
                &secrets,
                d.parse(&jiff::tz::TimeZone::UTC),
                false,
            )
        });
        let Err(Error::Invalid(p)) = refused else {
            panic!("a customer took card code {code}");
        };
        assert_eq!(p.get("login").map(|x| x.msg), Some(Msg::LoginTaken));
    }

    #[test]
    fn uptimes_are_routeros_durations() {
        for ok in ["30m", "1d12h", "2w", "1w2d3h4m5s", "90s"] {
            assert!(valid_uptime(ok), "{ok}");
        }
        for bad in ["", "1x", "h", "1h1d", "1h1h", "12", "1d 2h", "-1h"] {
            assert!(!valid_uptime(bad), "{bad}");
        }
    }

    #[test]
    fn byte_limits_take_suffixes() {
        assert_eq!(parse_bytes("500M"), Some(500 << 20));
        assert_eq!(parse_bytes("2g"), Some(2 << 30));
        assert_eq!(parse_bytes("1048576"), Some(1_048_576));
        assert_eq!(parse_bytes("0"), None);
        assert_eq!(parse_bytes("M"), None);
        assert_eq!(parse_bytes("99999999999999G"), None);
    }
}
