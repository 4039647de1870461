//! "Test connection": connect with a router's settings (saved or not yet saved) and report
//! what the router is, so an admin can check a router before Steppe starts managing it.
//!
//! For api-ssl without a pinned fingerprint it reads the certificate's fingerprint first and
//! returns it, so the admin can compare it with the router's and pin it (trust on first use).

use super::Probe;
use super::task::client_config;
use crate::network::Router;
use crate::routeros::menus::{
    HotspotServer, Interface, Menu, PppoeServer, SystemResource, identity,
};
use crate::routeros::{Client, Command, Error, TlsMode, fetch_fingerprint};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(10);

/// What one list of a probe may hold: these fill pick lists on a form, and a router that
/// reports thousands is broken or hostile.
const MAX_LISTED: usize = 200;

/// Connects with these settings and reads what the router is.
pub async fn probe(router: &Router, password: &str) -> Result<Probe, String> {
    probe_within(router, password, LIMIT).await
}

/// [`probe`] with each step (fingerprint, connect, every read) bounded by `limit`.
pub async fn probe_within(
    router: &Router,
    password: &str,
    limit: Duration,
) -> Result<Probe, String> {
    let config = super::EnforceConfig {
        connect_timeout: limit,
        command_timeout: limit,
        ..super::EnforceConfig::default()
    };
    let mut fingerprint = None;
    let mut settings = router.clone();
    if router.tls {
        if router.tls_fingerprint.is_empty() {
            let fp = fetch_fingerprint(&router.host, router.port, limit)
                .await
                .map_err(|e| e.to_string())?;
            settings.tls_fingerprint = fp.to_string();
        }
        fingerprint = Some(settings.tls_fingerprint.clone());
    }
    let client_config = client_config(&settings, password.to_owned(), &config)?;
    debug_assert!(router.tls == matches!(client_config.tls, Some(TlsMode::Pinned(_))));
    let client = Client::connect(&client_config)
        .await
        .map_err(|e| e.to_string())?;
    let result = read(&client).await.map_err(|e| e.to_string());
    client.close();
    let mut probe = result?;
    probe.tls_fingerprint = fingerprint;
    Ok(probe)
}

fn count(reply: Result<crate::routeros::Reply, Error>) -> Result<u64, Error> {
    let reply = reply?;
    Ok(reply
        .ret
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| u64::try_from(reply.items.len()).unwrap_or(0)))
}

async fn read(client: &Client) -> Result<Probe, Error> {
    let count_only =
        |menu: &str| client.command(Command::new(&format!("{menu}/print")).attr("count-only", ""));
    let (ifaces, hotspots, pppoe) = (
        Menu::<Interface>::new(client),
        Menu::<HotspotServer>::new(client),
        Menu::<PppoeServer>::new(client),
    );
    let (name, res, interfaces, servers, pppoe_servers, hotspot, ppp) = tokio::join!(
        identity(client),
        SystemResource::get(client),
        ifaces.list(),
        hotspots.list(),
        pppoe.list(),
        count_only("/ip/hotspot/active"),
        count_only("/ppp/active"),
    );
    let res = res?;
    // A router without the PPP package refuses the menu: it simply has no PPPoE server.
    let pppoe_servers = match pppoe_servers {
        Err(e) if !e.is_connection_lost() => Vec::new(),
        other => other?,
    };
    Ok(Probe {
        identity: name?,
        version: res.version.unwrap_or_default(),
        board: res.board_name.unwrap_or_default(),
        architecture: res.architecture_name.unwrap_or_default(),
        uptime_secs: res.uptime.map_or(0, |d| d.as_secs()),
        cpu_load: res.cpu_load.unwrap_or(0),
        free_memory: res.free_memory.unwrap_or(0),
        total_memory: res.total_memory.unwrap_or(0),
        interfaces: interfaces?
            .into_iter()
            .take(MAX_LISTED)
            .map(|i| {
                (
                    i.name.unwrap_or_default(),
                    i.kind.unwrap_or_default(),
                    i.running.unwrap_or(false),
                )
            })
            .collect(),
        hotspot_servers: servers?
            .into_iter()
            .take(MAX_LISTED)
            .map(|s| (s.name.unwrap_or_default(), s.interface.unwrap_or_default()))
            .collect(),
        pppoe_servers: pppoe_servers
            .into_iter()
            .take(MAX_LISTED)
            .map(|s| {
                let name = s.service_name.unwrap_or_default();
                (name, s.interface.unwrap_or_default())
            })
            .collect(),
        hotspot_active: count(hotspot)?,
        ppp_active: count(ppp)?,
        tls_fingerprint: None,
    })
}
