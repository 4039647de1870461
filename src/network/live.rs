//! What a router holds right now for Steppe's customers: the managed hotspot users and PPP
//! secrets (by their `steppe:<id>` marker) and who is online. Read on demand for the router
//! page, so an operator sees the router's truth, not only Steppe's intent.

use super::Router;
use super::import::connect;
use crate::billing::customer::parse_marker;
use crate::routeros::menus::{HotspotActive, HotspotUser, Menu, PppActive, PppSecret};
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, Serialize)]
pub struct LiveUser {
    pub customer_id: u64,
    pub name: String,
    pub profile: String,
    /// `hotspot` or `pppoe`.
    pub service: &'static str,
    pub disabled: bool,
    pub online: bool,
}

/// The managed entries on the router, sorted by name.
pub async fn managed_users(router: &Router, password: &str) -> Result<Vec<LiveUser>, String> {
    let client = connect(router, password).await?;
    let mut out = Vec::new();
    if !router.hotspot_server.is_empty() {
        let online: HashSet<String> = Menu::<HotspotActive>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|a| a.user)
            .collect();
        for u in Menu::<HotspotUser>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            let Some(id) = u.comment.as_deref().and_then(parse_marker) else {
                continue;
            };
            let name = u.name.unwrap_or_default();
            out.push(LiveUser {
                customer_id: id,
                online: online.contains(&name),
                name,
                profile: u.profile.unwrap_or_default(),
                service: "hotspot",
                disabled: u.disabled.unwrap_or(false),
            });
        }
    }
    if router.pppoe {
        let online: HashSet<String> = Menu::<PppActive>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|a| a.name)
            .collect();
        for s in Menu::<PppSecret>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
        {
            let Some(id) = s.comment.as_deref().and_then(parse_marker) else {
                continue;
            };
            let name = s.name.unwrap_or_default();
            out.push(LiveUser {
                customer_id: id,
                online: online.contains(&name),
                name,
                profile: s.profile.unwrap_or_default(),
                service: "pppoe",
                disabled: s.disabled.unwrap_or(false),
            });
        }
    }
    client.close();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The service login behind a source address: a PPPoE session's remote address, or a hotspot
/// session's address. `None` when nobody there is known.
pub async fn caller(
    router: &Router,
    password: &str,
    address: std::net::IpAddr,
) -> Result<Option<String>, String> {
    let client = connect(router, password).await?;
    let wanted = address.to_string();
    let mut found = None;
    if router.pppoe {
        found = Menu::<PppActive>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|a| a.address.as_deref() == Some(wanted.as_str()))
            .and_then(|a| a.name);
    }
    if found.is_none() && !router.hotspot_server.is_empty() {
        found = Menu::<HotspotActive>::new(&client)
            .list()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|a| a.address.as_deref() == Some(wanted.as_str()))
            .and_then(|a| a.user);
    }
    client.close();
    Ok(found)
}
