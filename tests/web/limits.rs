//! What one client may hold of the server: connections, slow and large bodies, headers.

use crate::helpers::{TestApp, exchange_from};
use std::net::SocketAddr;
use std::time::Duration;
use steppe::web::{Limits, Tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn start(limits: Limits) -> TestApp {
    TestApp::start_with(tempfile::tempdir().unwrap(), Tls::Off, limits)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn connect_from(src: &str, addr: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(src.parse().unwrap(), 0)).unwrap();
    s.connect(addr).await.unwrap()
}

/// Headers of a POST that promises a body of `len` bytes.
fn post_head(addr: SocketAddr, len: usize) -> String {
    format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
    )
}

/// Reads until the peer closes or `limit` passes; what arrived.
async fn read_all(s: &mut TcpStream, limit: Duration) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn healthz(addr: SocketAddr) -> u16 {
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    exchange_from("127.0.0.1", addr, req.as_bytes()).status
}

#[test]
fn a_body_that_trickles_is_cut_off_at_its_deadline() {
    let app = start(Limits {
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let addr = app.addr;
    let answer = rt().block_on(async {
        let mut s = connect_from("127.0.0.2", addr).await;
        s.write_all(post_head(addr, 1000).as_bytes()).await.unwrap();
        for _ in 0..3 {
            s.write_all(b"a").await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        read_all(&mut s, Duration::from_secs(20)).await
    });
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(healthz(addr), 200);
}

#[test]
fn one_network_cannot_take_every_connection() {
    let app = start(Limits {
        per_network: 20,
        ..Limits::default()
    });
    let addr = app.addr;
    rt().block_on(async {
        let mut held = Vec::new();
        for _ in 0..20 {
            let mut s = connect_from("127.0.0.2", addr).await;
            s.write_all(post_head(addr, 100).as_bytes()).await.unwrap();
            held.push(s);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(app.state_gate_open("127.0.0.2"), 20);
        // The 21st from the same address is closed without an answer…
        let mut extra = connect_from("127.0.0.2", addr).await;
        let _ = extra
            .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
            .await;
        let got = read_all(&mut extra, Duration::from_secs(10)).await;
        assert!(!got.contains("200 OK"), "{got}");
        // …while everyone else is served.
        let other = tokio::task::spawn_blocking(move || healthz(addr))
            .await
            .unwrap();
        assert_eq!(other, 200);
        drop(held);
    });
}

#[test]
fn bodies_in_flight_share_a_bounded_budget() {
    let app = start(Limits {
        body_budget: 1 << 20,
        body_timeout: Duration::from_secs(2),
        ..Limits::default()
    });
    let addr = app.addr;
    rt().block_on(async {
        // One client holds 900 KiB of an unfinished body…
        let mut hog = connect_from("127.0.0.2", addr).await;
        hog.write_all(post_head(addr, 1_000_000).as_bytes())
            .await
            .unwrap();
        hog.write_all(&vec![b'a'; 900 * 1024]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        // …so another 600 KiB body cannot be held beside it: refused, not buffered.
        let mut s = connect_from("127.0.0.3", addr).await;
        s.write_all(post_head(addr, 600 * 1024).as_bytes())
            .await
            .unwrap();
        let _ = s.write_all(&vec![b'b'; 600 * 1024]).await;
        let answer = read_all(&mut s, Duration::from_secs(20)).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        drop(hog);
    });
    assert_eq!(healthz(addr), 200);
}

#[test]
fn requests_without_host_or_with_huge_headers_are_refused() {
    let app = TestApp::start();
    let addr = app.addr;
    let p = exchange_from(
        "127.0.0.1",
        addr,
        b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(p.status, 400);
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Filler: {}\r\nConnection: close\r\n\r\n",
        "f".repeat(200 * 1024)
    );
    assert_eq!(exchange_from("127.0.0.1", addr, big.as_bytes()).status, 431);
    let declared = post_head(addr, 5 << 20);
    let p = exchange_from("127.0.0.1", addr, declared.as_bytes());
    assert_eq!(p.status, 413);
}

/// DNS rebinding: a page on another site whose name is made to resolve to Steppe reaches it
/// with its own name in `Host`, and is turned away; addresses and this machine's names pass.
#[test]
fn only_known_host_names_reach_the_admin_side() {
    let app = TestApp::start();
    let (addr, port) = (app.addr, app.addr.port());
    let with_host = |host: &str| {
        let req = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        exchange_from("127.0.0.1", addr, req.as_bytes()).status
    };
    assert_eq!(with_host(&format!("rebind.attacker.example:{port}")), 421);
    assert_eq!(with_host("rebind.attacker.example"), 421);
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        "192.168.88.1:8080".to_string(),
        format!("BILLING.topnet.mn:{port}"),
        "steppe.local".to_string(),
    ] {
        assert_eq!(with_host(&ok), 200, "{ok}");
    }
    // The portal listener is reached by whatever name the hotspot gives it.
    let req =
        "GET /portal/login HTTP/1.1\r\nHost: wifi.example\r\nConnection: close\r\n\r\n".to_string();
    assert_eq!(
        exchange_from("127.0.0.1", app.portal_addr, req.as_bytes()).status,
        200
    );
}
