//! The money and time rules of prepaid service, with no I/O: how credit settles bills, how a
//! settled bill extends service, and how a reversal undoes exactly that.
//!
//! Invariant: amounts are integer minor units and durations integer seconds; nothing here uses a
//! float. Every function is deterministic in its inputs (including `now`).

use jiff::{SignedDuration, Timestamp};

/// The part of a customer that payments change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub expires_at: Timestamp,
    /// Money received but not yet allocated to a bill (negative: owed after a reversal).
    pub credit: i64,
}

/// An open bill as settlement sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenBill {
    pub id: u64,
    pub amount: i64,
    pub paid: i64,
    /// Service seconds this bill buys when fully paid.
    pub duration_secs: i64,
    /// Seconds already granted for it (partial activation).
    pub extended_secs: i64,
}

impl OpenBill {
    pub fn remaining(&self) -> i64 {
        self.amount - self.paid
    }
    pub fn is_paid(&self) -> bool {
        self.paid >= self.amount
    }
}

pub use crate::model::ledger::Allocation;

/// Service runs on from the later of now and the current expiry: paying early never loses
/// days, paying late never back-dates.
pub fn extend_from(now: Timestamp, expires_at: Timestamp, secs: i64) -> Timestamp {
    now.max(expires_at)
        .saturating_add(SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::MAX)
}

/// Seconds a partly paid bill grants: proportional to what was paid, rounded down.
fn proportional(duration_secs: i64, paid: i64, amount: i64) -> i64 {
    if amount <= 0 {
        return duration_secs;
    }
    let secs = i128::from(duration_secs) * i128::from(paid.clamp(0, amount)) / i128::from(amount);
    i64::try_from(secs).unwrap_or(duration_secs)
}

/// Applies the account's credit to `bills` (oldest first). The first bill may be paid in part
/// (an underpayment); later bills are touched only if the credit pays them whole, otherwise the
/// rest stays as credit. `already_completed` says whether this payment has completed a bill
/// before (then no bill is paid in part).
pub fn settle(
    now: Timestamp,
    acct: &mut Account,
    bills: &mut [OpenBill],
    partial_activation: bool,
    already_completed: bool,
) -> Vec<Allocation> {
    let mut out = Vec::new();
    let mut completed_any = already_completed;
    for bill in bills.iter_mut().filter(|b| !b.is_paid()) {
        if acct.credit <= 0 {
            break;
        }
        let remaining = bill.remaining();
        let take = if acct.credit >= remaining {
            remaining
        } else if !completed_any && out.is_empty() {
            acct.credit
        } else {
            break;
        };
        bill.paid += take;
        acct.credit -= take;
        let grant = if bill.is_paid() {
            bill.duration_secs - bill.extended_secs
        } else if partial_activation {
            proportional(bill.duration_secs, bill.paid, bill.amount) - bill.extended_secs
        } else {
            0
        };
        let before = acct.expires_at;
        if grant > 0 {
            acct.expires_at = extend_from(now, acct.expires_at, grant);
            bill.extended_secs += grant;
        }
        let completed = bill.is_paid();
        completed_any |= completed;
        out.push(Allocation {
            bill_id: bill.id,
            amount: take,
            extended_secs: grant.max(0),
            expires_before: before,
            expires_after: acct.expires_at,
            completed,
        });
        if !completed {
            break;
        }
    }
    out
}

/// Undoes a payment's allocations. The expiry returns exactly to what it was when nothing has
/// moved it since; otherwise the granted seconds are taken back.
pub fn reverse(
    acct: &mut Account,
    bills: &mut [OpenBill],
    amount: i64,
    allocations: &[Allocation],
) {
    let allocated: i64 = allocations.iter().map(|a| a.amount).sum();
    acct.credit -= amount - allocated;
    let untouched = allocations
        .last()
        .is_some_and(|a| a.expires_after == acct.expires_at);
    for a in allocations.iter().rev() {
        if let Some(b) = bills.iter_mut().find(|b| b.id == a.bill_id) {
            b.paid -= a.amount;
            b.extended_secs -= a.extended_secs;
        }
    }
    let granted: i64 = allocations.iter().map(|a| a.extended_secs).sum();
    acct.expires_at = match allocations.first() {
        Some(first) if untouched => first.expires_before,
        _ => acct
            .expires_at
            .saturating_sub(SignedDuration::from_secs(granted))
            .unwrap_or(Timestamp::MIN),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator so property runs repeat exactly.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> i64 {
            i64::try_from(self.next() % n).unwrap_or(0)
        }
    }

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_780_000_000 + s).unwrap()
    }

    fn bill(id: u64, amount: i64, paid: i64) -> OpenBill {
        OpenBill {
            id,
            amount,
            paid,
            duration_secs: 30 * 86_400,
            extended_secs: 0,
        }
    }

    #[test]
    fn extension_runs_from_the_later_of_now_and_expiry() {
        assert_eq!(extend_from(t(100), t(50), 10), t(110), "expired: from now");
        assert_eq!(
            extend_from(t(100), t(500), 10),
            t(510),
            "active: from expiry"
        );
        assert_eq!(extend_from(t(100), t(100), 0), t(100));
    }

    #[test]
    fn exact_payment_settles_and_extends_by_the_plan() {
        let mut a = Account {
            expires_at: t(-86_400),
            credit: 3_500_000,
        };
        let mut bills = [bill(1, 3_500_000, 0)];
        let al = settle(t(0), &mut a, &mut bills, false, false);
        assert_eq!(al.len(), 1);
        assert!(al[0].completed);
        assert_eq!(
            a.expires_at,
            t(30 * 86_400),
            "from now, since it had expired"
        );
        assert_eq!(a.credit, 0);
    }

    #[test]
    fn underpayment_leaves_the_bill_partly_paid_and_service_off() {
        let mut a = Account {
            expires_at: t(-10),
            credit: 1_000,
        };
        let mut bills = [bill(1, 3_000, 0)];
        let al = settle(t(0), &mut a, &mut bills, false, false);
        assert_eq!(
            (al[0].amount, al[0].completed, bills[0].paid),
            (1_000, false, 1_000)
        );
        assert_eq!(
            a.expires_at,
            t(-10),
            "no activation without partial activation"
        );
        let mut a2 = Account {
            expires_at: t(-10),
            credit: 1_000,
        };
        let mut b2 = [bill(1, 3_000, 0)];
        settle(t(0), &mut a2, &mut b2, true, false);
        assert_eq!(
            a2.expires_at,
            t(10 * 86_400),
            "a third paid: a third of 30 days"
        );
    }

    #[test]
    fn overpayment_stays_as_credit_and_settles_oldest_first() {
        let mut a = Account {
            expires_at: t(0),
            credit: 5_000,
        };
        let mut bills = [bill(1, 2_000, 0), bill(2, 2_000, 0), bill(3, 2_000, 0)];
        let al = settle(t(0), &mut a, &mut bills, false, false);
        assert_eq!(al.iter().map(|x| x.bill_id).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(a.credit, 1_000, "not enough for bill 3: kept as credit");
        assert_eq!(bills[2].paid, 0);
    }

    /// Property: over many random states and payments, no money is created or lost, bills are
    /// settled strictly oldest first, expiry only moves forward by whole grants, and reversing
    /// restores the exact previous state.
    #[test]
    fn property_settle_then_reverse_is_identity_and_conserves_money() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        for case in 0..20_000 {
            let now = t(rng.below(200 * 86_400));
            let before = Account {
                expires_at: t(rng.below(400 * 86_400) - 100 * 86_400),
                credit: rng.below(3) * 500,
            };
            let n = usize::try_from(rng.below(4) + 1).unwrap();
            let mut bills: Vec<OpenBill> = (0..n)
                .map(|i| {
                    let amount = (rng.below(50) + 1) * 1_000;
                    OpenBill {
                        id: u64::try_from(i).unwrap() + 1,
                        amount,
                        paid: 0,
                        duration_secs: (rng.below(60) + 1) * 3_600,
                        extended_secs: 0,
                    }
                })
                .collect();
            if rng.below(3) == 0 {
                bills[0].paid = bills[0].amount / 2;
            }
            let bills_before = bills.clone();
            let payment = rng.below(120) * 1_000;
            let partial = rng.below(2) == 0;
            let mut acct = Account {
                credit: before.credit + payment,
                ..before
            };
            let al = settle(now, &mut acct, &mut bills, partial, false);

            let allocated: i64 = al.iter().map(|a| a.amount).sum();
            assert_eq!(
                acct.credit + allocated,
                before.credit + payment,
                "case {case}: money conserved"
            );
            assert!(acct.credit >= 0);
            for w in al.windows(2) {
                assert!(
                    w[0].bill_id < w[1].bill_id && w[0].completed,
                    "case {case}: oldest first, earlier ones whole"
                );
            }
            for (b, b0) in bills.iter().zip(&bills_before) {
                assert!(
                    b.paid <= b.amount && b.paid >= b0.paid,
                    "case {case}: never overpaid"
                );
            }
            assert!(
                acct.expires_at >= before.expires_at,
                "case {case}: expiry never goes back"
            );
            if al.iter().any(|a| a.extended_secs > 0) {
                assert!(
                    acct.expires_at > now,
                    "case {case}: activation reaches past now"
                );
            }

            reverse(&mut acct, &mut bills, payment, &al);
            assert_eq!(acct, before, "case {case}: reversal restores the account");
            assert_eq!(
                bills, bills_before,
                "case {case}: reversal restores the bills"
            );
        }
    }
}
