//! What a router holds right now for Steppe's customers: the managed hotspot users and PPP
//! secrets (by their `steppe:<id>` marker) and who is online. Read on demand for the router
//! page, so an operator sees the router's truth, not only Steppe's intent.

use super::Router;
use super::import::connect;
use crate::billing::customer::parse_marker;
use crate::routeros::Client;
use crate::routeros::menus::{
    HotspotActive, HotspotCookie, HotspotHost, HotspotUser, Menu, PppActive, PppSecret,
};
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

/// The service login behind a source address on this router (who opened the pay page): a PPPoE
/// connection's, a hotspot session's, or, for a device whose session has ended (an expired
/// customer's), the user its hotspot cookie names. Every print is a `?` query, so the cost does
/// not grow with the number of customers online.
pub async fn caller(
    router: &Router,
    password: &str,
    address: std::net::IpAddr,
) -> Result<Option<String>, String> {
    let client = connect(router, password).await?;
    let found = caller_on(&client, router, &address.to_string()).await;
    client.close();
    found.map_err(|e| e.to_string())
}

async fn caller_on(
    client: &Client,
    router: &Router,
    address: &str,
) -> crate::routeros::Result<Option<String>> {
    let by_address = format!("address={address}");
    if router.pppoe {
        let active = Menu::<PppActive>::new(client)
            .list_where(&[&by_address])
            .await?;
        if let Some(name) = active.into_iter().find_map(|a| a.name) {
            return Ok(Some(name));
        }
    }
    if router.hotspot_server.is_empty() {
        return Ok(None);
    }
    let active = Menu::<HotspotActive>::new(client)
        .list_where(&[&by_address])
        .await?;
    if let Some(user) = active.into_iter().find_map(|a| a.user) {
        return Ok(Some(user));
    }
    let hosts = Menu::<HotspotHost>::new(client)
        .list_where(&[&by_address])
        .await?;
    let Some(mac) = hosts.into_iter().find_map(|h| h.mac_address) else {
        return Ok(None);
    };
    let cookies = Menu::<HotspotCookie>::new(client)
        .list_where(&[&format!("mac-address={mac}")])
        .await?;
    Ok(cookies.into_iter().find_map(|c| c.user))
}
