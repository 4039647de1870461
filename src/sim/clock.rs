//! `/system/clock`: the router's local time, which a client may read (to spot drift) or set
//! (time, date, time zone). Time runs on the host's clock plus whatever offset `set` applied.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// The clock settings of one simulated router.
pub struct Clock {
    /// Added to the host's time by `set time=…` / `set date=…`.
    offset: SignedDuration,
    /// `manual` or a tz database name.
    zone_name: String,
    autodetect: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

impl Default for Clock {
    fn default() -> Self {
        Clock {
            offset: SignedDuration::ZERO,
            zone_name: "manual".to_owned(),
            autodetect: true,
        }
    }
}

impl Clock {
    /// `manual` keeps the manually set GMT offset, which the simulator leaves at 00:00.
    fn zone(&self) -> TimeZone {
        crate::i18n::zones::get(&self.zone_name).unwrap_or(TimeZone::UTC)
    }

    fn now(&self) -> Timestamp {
        Timestamp::now()
            .checked_add(self.offset)
            .unwrap_or_else(|_| Timestamp::now())
    }

    /// The properties print shows; 7.x writes the date as `2024-10-01`, 6.x as `oct/01/2024`.
    pub fn view(&self, v7: bool) -> Vec<(&'static str, String)> {
        let zone = self.zone();
        let now = self.now();
        let local = now.to_zoned_datetime(zone.clone());
        let date = if v7 {
            local.strftime("%Y-%m-%d").to_string()
        } else {
            let month = MONTHS[usize::from(local.month().unsigned_abs()) - 1];
            format!("{month}/{:02}/{}", local.day(), local.year())
        };
        let info = zone.to_offset_info(now);
        let seconds = info.offset().seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let abs = seconds.unsigned_abs();
        vec![
            ("time", local.strftime("%H:%M:%S").to_string()),
            ("date", date),
            ("time-zone-autodetect", self.autodetect.to_string()),
            ("time-zone-name", self.zone_name.clone()),
            (
                "gmt-offset",
                format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60),
            ),
            ("dst-active", info.dst().is_dst().to_string()),
        ]
    }

    /// Applies `set`; an error is the trap message.
    pub fn set(&mut self, attrs: &[(String, String)]) -> Result<(), String> {
        let mismatch = |name: &str| format!("input does not match any value of {name}");
        let mut next = Clock {
            offset: self.offset,
            zone_name: self.zone_name.clone(),
            autodetect: self.autodetect,
        };
        let mut time = None;
        let mut date = None;
        for (name, value) in attrs {
            match name.as_str() {
                ".id" | "numbers" => {}
                "time-zone-name" => {
                    if value != "manual" && crate::i18n::zones::get(value).is_none() {
                        return Err(mismatch(name));
                    }
                    value.clone_into(&mut next.zone_name);
                }
                "time-zone-autodetect" => {
                    next.autodetect =
                        crate::routeros::value::parse_bool(value).ok_or_else(|| mismatch(name))?;
                }
                "time" => time = Some(value.parse::<Time>().map_err(|_| mismatch(name))?),
                "date" => date = Some(parse_date(value).ok_or_else(|| mismatch(name))?),
                _ => return Err("unknown parameter".to_owned()),
            }
        }
        if time.is_some() || date.is_some() {
            let local = next.now().to_zoned_datetime(next.zone());
            let wanted = date
                .unwrap_or_else(|| local.date())
                .to_datetime(time.unwrap_or_else(|| local.time()));
            let target = wanted
                .to_zoned_datetime(next.zone())
                .map_err(|e| format!("failure: {e}"))?
                .timestamp();
            next.offset = target.duration_since(Timestamp::now());
        }
        *self = next;
        Ok(())
    }
}

/// Either spelling RouterOS accepts: `2024-10-01` or `oct/01/2024`.
fn parse_date(text: &str) -> Option<Date> {
    if let Ok(d) = text.parse::<Date>() {
        return Some(d);
    }
    let mut parts = text.split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    Date::new(
        year.parse().ok()?,
        i8::try_from(month + 1).ok()?,
        day.parse().ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(view: &'a [(&str, String)], name: &str) -> &'a str {
        view.iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn set_date_time_and_zone_then_print_in_each_versions_form() {
        let mut clock = Clock::default();
        let attrs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect()
        };
        clock
            .set(&attrs(&[
                ("time-zone-name", "Asia/Ulaanbaatar"),
                ("date", "oct/01/2024"),
                ("time", "10:00:00"),
            ]))
            .expect("valid settings");
        let v7 = clock.view(true);
        assert_eq!(get(&v7, "date"), "2024-10-01");
        assert!(get(&v7, "time").starts_with("10:00:"), "{v7:?}");
        assert_eq!(get(&v7, "gmt-offset"), "+08:00");
        assert_eq!(get(&clock.view(false), "date"), "oct/01/2024");
        assert_eq!(
            clock.set(&attrs(&[("time-zone-name", "Mars/Olympus")])),
            Err("input does not match any value of time-zone-name".to_owned())
        );
        assert_eq!(get(&clock.view(true), "time-zone-name"), "Asia/Ulaanbaatar");
    }
}
