//! The RouterOS client against the simulator over real sockets: login forms per version, TLS
//! trust, every typed helper, pipelining, cancellation, and failures that must not hang;
//! `common_clients` replays what other RouterOS client libraries send.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use steppe::routeros::menus::{
    AddressListEntry, HotspotActive, HotspotProfile, HotspotServer, HotspotUser, Interface, Menu,
    PppActive, PppProfile, PppSecret, SimpleQueue, SystemResource, identity, send_sms,
    set_identity,
};
use steppe::routeros::{
    Client, ClientConfig, Command, Error, Fingerprint, ItemId, LoginMethod, TlsMode,
    fetch_fingerprint,
};
use steppe::sim::{SimConfig, SimHandle, Simulator};

#[path = "routeros_sim/common_clients.rs"]
mod common_clients;
#[path = "common/flooding_router.rs"]
mod flooding_router;
#[path = "routeros_sim/hostile.rs"]
mod hostile;
#[path = "routeros_sim/in_flight.rs"]
mod in_flight;
#[path = "routeros_sim/login.rs"]
mod login;
#[path = "routeros_sim/typed_helpers.rs"]
mod typed_helpers;

const LOCAL: &str = "127.0.0.1:0";

fn local() -> SocketAddr {
    LOCAL.parse().expect("valid address")
}

async fn sim(version: &str) -> SimHandle {
    let mut config = SimConfig::new(version);
    config.password = "secret".into();
    Simulator::start(config, local())
        .await
        .expect("simulator starts")
}

fn config(sim: &SimHandle, login: LoginMethod) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", sim.addr().port(), "admin", "secret");
    c.login = login;
    c.command_timeout = Duration::from_secs(10);
    c
}

async fn connect(sim: &SimHandle) -> Client {
    Client::connect(&config(sim, LoginMethod::Auto))
        .await
        .expect("client logs in")
}

fn trap_message(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Trap { message, .. }) => message,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// Waits until the simulator has received `count` sentences, so a latency change made afterwards
/// cannot affect a command that is still on its way.
async fn received(sim: &SimHandle, count: u64) {
    within(5, async {
        while sim.commands_received() < count {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await;
}

/// Runs `future` with a deadline so a hang fails the test instead of blocking it.
async fn within<T>(seconds: u64, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), future)
        .await
        .expect("finished in time")
}
