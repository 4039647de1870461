//! Customers logging in, as the simulated hotspot and PPP server see them, and the hotspot's
//! record of the devices it has seen.

use super::{Record, RouterState, SimError};
use crate::routeros::value::parse_bool;
use crate::sim::menus::{self, MenuSpec};

impl RouterState {
    fn find_user(&self, menu: &str, name: &str, password: &str) -> Result<Record, SimError> {
        let record = self
            .tables
            .get(menu)
            .and_then(|t| t.iter().find(|r| r.get("name") == Some(name)))
            .ok_or_else(|| SimError::UnknownUser(name.to_owned()))?;
        if record.get("disabled").and_then(parse_bool).unwrap_or(false) {
            return Err(SimError::Disabled(name.to_owned()));
        }
        if record.get("password").unwrap_or("") != password {
            return Err(SimError::WrongPassword(name.to_owned()));
        }
        Ok(record.clone())
    }

    /// A customer logs in to the hotspot; returns the id of the new active session.
    pub fn hotspot_login(
        &mut self,
        user: &str,
        password: &str,
        address: &str,
        mac: &str,
    ) -> Result<String, SimError> {
        let record = self.find_user(menus::HOTSPOT_USER, user, password)?;
        let server = match record.get("server") {
            Some("all") | None => "hotspot1".to_owned(),
            Some(s) => s.to_owned(),
        };
        let props = vec![
            ("server".to_owned(), server.clone()),
            ("user".to_owned(), user.to_owned()),
            ("address".to_owned(), address.to_owned()),
            ("mac-address".to_owned(), mac.to_owned()),
            ("login-by".to_owned(), "http-chap".to_owned()),
            ("bytes-in".to_owned(), "0".to_owned()),
            ("bytes-out".to_owned(), "0".to_owned()),
        ];
        let id = self.insert(menus::HOTSPOT_ACTIVE, props);
        self.host_seen(&server, address, mac, true);
        self.cookie_for(user, mac);
        Ok(format!("*{id:X}"))
    }

    /// The cookie a login by HTTP leaves (the default server profile logs in by cookie too):
    /// one per device, naming the user last logged in from it, kept after the session ends.
    fn cookie_for(&mut self, user: &str, mac: &str) {
        let Some(spec) = menus::spec(menus::HOTSPOT_COOKIE) else {
            return;
        };
        let old: Vec<u32> = self
            .records(spec)
            .iter()
            .filter(|r| r.get("mac-address") == Some(mac))
            .map(|r| r.id)
            .collect();
        self.remove_ids(spec, &old);
        let props = [
            ("user", user),
            ("mac-address", mac),
            ("domain", ""),
            ("expires-in", "3d"),
        ];
        let props = props
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        self.insert(menus::HOTSPOT_COOKIE, props);
    }

    /// The hotspot's entry for a device: added the first time it is seen, marked authorized
    /// while a session runs from it.
    fn host_seen(&mut self, server: &str, address: &str, mac: &str, authorized: bool) {
        let Some(spec) = menus::spec(menus::HOTSPOT_HOST) else {
            return;
        };
        let authorized = authorized.to_string();
        let found = self
            .records(spec)
            .iter()
            .position(|r| r.get("mac-address") == Some(mac));
        match found {
            Some(p) => {
                let mut record = self.records(spec)[p].clone();
                record.set("address", address);
                record.set("to-address", address);
                record.set("authorized", &authorized);
                self.replace(spec, vec![(p, record)]);
            }
            None => {
                let props = [
                    ("mac-address", mac),
                    ("address", address),
                    ("to-address", address),
                    ("server", server),
                    ("authorized", &authorized),
                    ("bypassed", "false"),
                    ("dynamic", "true"),
                    ("bytes-in", "0"),
                    ("bytes-out", "0"),
                    ("packets-in", "0"),
                    ("packets-out", "0"),
                    ("idle-time", "0s"),
                ];
                let props = props
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect();
                self.insert(menus::HOTSPOT_HOST, props);
            }
        }
    }

    /// Keeps hosts and sessions consistent: a session that ends leaves its host unauthorized, and
    /// a host removed takes its sessions with it.
    /// A hotspot user's `uptime` is the total of its ended sessions, as RouterOS keeps it.
    fn add_user_uptime(&mut self, session: &Record) {
        let Some(user) = session.get("user") else {
            return;
        };
        let elapsed = session.started.elapsed();
        let formatted = |d| self.format_elapsed(d);
        let Some(record) = self
            .tables
            .get(menus::HOTSPOT_USER)
            .and_then(|t| t.iter().find(|r| r.get("name") == Some(user)))
        else {
            return;
        };
        let total = record
            .get("uptime")
            .and_then(crate::routeros::value::parse_duration)
            .unwrap_or_default()
            + elapsed;
        let text = formatted(std::time::Duration::from_secs(total.as_secs()));
        let id = record.id;
        if let Some(r) = self
            .tables
            .get_mut(menus::HOTSPOT_USER)
            .and_then(|t| t.iter_mut().find(|r| r.id == id))
        {
            r.set("uptime", &text);
        }
    }

    pub(super) fn after_remove(&mut self, spec: &MenuSpec, removed: &[Record]) {
        let macs = removed.iter().filter_map(|r| r.get("mac-address"));
        match spec.path {
            menus::HOTSPOT_ACTIVE => {
                for r in removed {
                    self.add_user_uptime(r);
                }
                for (mac, server, address) in removed.iter().filter_map(|r| {
                    Some((r.get("mac-address")?, r.get("server")?, r.get("address")?))
                }) {
                    let still_on = self
                        .tables
                        .get(menus::HOTSPOT_ACTIVE)
                        .is_some_and(|t| t.iter().any(|s| s.get("mac-address") == Some(mac)));
                    if !still_on {
                        self.host_seen(server, address, mac, false);
                    }
                }
            }
            menus::PPP_ACTIVE => {
                for r in removed {
                    self.drop_dynamic_address(r.get("address").unwrap_or_default());
                }
            }
            menus::HOTSPOT_HOST => {
                let macs: Vec<String> = macs.map(str::to_owned).collect();
                let Some(active) = menus::spec(menus::HOTSPOT_ACTIVE) else {
                    return;
                };
                let ids: Vec<u32> = self
                    .records(active)
                    .iter()
                    .filter(|s| {
                        s.get("mac-address")
                            .is_some_and(|m| macs.iter().any(|x| x == m))
                    })
                    .map(|s| s.id)
                    .collect();
                self.remove_ids(active, &ids);
            }
            _ => {}
        }
    }

    /// A customer dials in over PPP; returns the id of the new active connection.
    pub fn ppp_login(
        &mut self,
        name: &str,
        password: &str,
        caller_id: &str,
        address: &str,
    ) -> Result<String, SimError> {
        let record = self.find_user(menus::PPP_SECRET, name, password)?;
        let service = match record.get("service") {
            Some("any") | None => "pppoe".to_owned(),
            Some(s) => s.to_owned(),
        };
        let props = vec![
            ("name".to_owned(), name.to_owned()),
            ("service".to_owned(), service),
            ("caller-id".to_owned(), caller_id.to_owned()),
            ("address".to_owned(), address.to_owned()),
            ("encoding".to_owned(), String::new()),
            ("session-id".to_owned(), format!("0x{:X}", self.next_id)),
            ("radius".to_owned(), "false".to_owned()),
        ];
        let id = self.insert(menus::PPP_ACTIVE, props);
        // The profile's address list holds the connection's address while it is up.
        let list = record
            .get("profile")
            .and_then(|p| {
                self.tables
                    .get(menus::PPP_PROFILE)?
                    .iter()
                    .find(|r| r.get("name") == Some(p))?
                    .get("address-list")
                    .map(str::to_owned)
            })
            .filter(|l| !l.is_empty());
        if let Some(list) = list {
            let props = [
                ("list", list.as_str()),
                ("address", address),
                ("disabled", "false"),
                ("dynamic", "true"),
            ];
            let props = props
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            self.insert(menus::ADDRESS_LIST, props);
        }
        Ok(format!("*{id:X}"))
    }

    fn drop_dynamic_address(&mut self, address: &str) {
        let Some(spec) = menus::spec(menus::ADDRESS_LIST) else {
            return;
        };
        let ids: Vec<u32> = self
            .records(spec)
            .iter()
            .filter(|r| r.get("dynamic") == Some("true") && r.get("address") == Some(address))
            .map(|r| r.id)
            .collect();
        self.remove_ids(spec, &ids);
    }
}
