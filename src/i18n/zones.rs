//! Time zones by IANA name: the system's database when there is one (`/usr/share/zoneinfo` on a
//! single-board computer), else a set compiled in, so a static binary in a `FROM scratch`
//! container still shows local times.
//!
//! The set is chosen, not the whole database: bundling every zone cost 353 KB of the router
//! binary's 8 MB budget, and an ISP picks one zone once. Each zone here is built at compile time
//! (`jiff::tz::get!`), so only these reach the binary; they are Mongolia's and its neighbours'.
//! Anywhere else a POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`) names the zone without any
//! database.

use jiff::tz::TimeZone;

macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        /// The compiled-in zones: Mongolia's, its neighbours', and the large ones of each region.
        const BUILT_IN: &[(&str, fn() -> TimeZone)] = &[$(($name, || jiff::tz::get!($name))),*];
    };
}

built_in!(
    "Asia/Ulaanbaatar",
    "Asia/Hovd",
    "Asia/Choibalsan",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Irkutsk",
    "Asia/Krasnoyarsk",
    "Asia/Novosibirsk",
    "Asia/Almaty",
    "Asia/Bishkek",
    "Asia/Tashkent",
    "Asia/Kolkata",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Europe/Moscow",
);

/// The zone named `name`, from the system's database or the compiled-in set.
pub fn get(name: &str) -> Option<TimeZone> {
    if name == "UTC" {
        return Some(TimeZone::UTC);
    }
    TimeZone::get(name)
        .ok()
        .or_else(|| {
            BUILT_IN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, zone)| zone())
        })
        .or_else(|| {
            // A rule has an offset in it; a mistyped name has none and stays refused.
            (name.len() <= 64 && name.bytes().any(|b| b.is_ascii_digit()))
                .then(|| TimeZone::posix(name).ok())
                .flatten()
        })
}

/// The names of the compiled-in set alone: what a container without zoneinfo offers.
pub fn built_in_names() -> Vec<String> {
    BUILT_IN.iter().map(|(n, _)| (*n).to_string()).collect()
}

/// Every zone name there is to choose from: the system's and the compiled-in set.
pub fn names() -> Vec<String> {
    let mut all: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .chain(BUILT_IN.iter().map(|(n, _)| (*n).to_string()))
        .collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_zones_stand_without_a_system_database() {
        for (name, zone) in BUILT_IN {
            assert_eq!(zone().iana_name(), Some(*name));
        }
        let t: jiff::Timestamp = "2026-07-01T00:00:00Z".parse().unwrap();
        let ub = BUILT_IN[0].1();
        assert_eq!(ub.to_offset(t).seconds(), 8 * 3600);
        assert!(get("Mars/Olympus").is_none());
        let cet = get("CET-1CEST,M3.5.0,M10.5.0/3").expect("a POSIX rule");
        assert_eq!(cet.to_offset(t).seconds(), 2 * 3600, "summer time in July");
        assert!(names().iter().any(|n| n == "Asia/Ulaanbaatar"));
    }
}
