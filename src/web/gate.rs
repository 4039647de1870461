//! What one client may hold of the server: connections (in all and per network) and request
//! bodies (their size, how long they may take to arrive, and how many bytes all requests in
//! flight may hold together).
//!
//! Without these, connections that send headers and then trickle a body exhaust file
//! descriptors, and a hundred 4 MiB bodies held at once take hundreds of megabytes from a
//! router that has 256. The figures follow nginx's defaults where it has one (60 s
//! `client_body_timeout`, 32 KiB of headers) and are in the README.

use crate::access::ratelimit::network;
use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections in all; past it new ones are closed at once.
    pub max_connections: usize,
    /// Open connections from one network (an IPv4 address or an IPv6 /64).
    pub per_network: usize,
    /// From connecting (or the previous response) to the end of the request headers.
    pub header_timeout: Duration,
    /// From the end of the headers to the last byte of the body.
    pub body_timeout: Duration,
    /// The largest body (the largest legitimate one is a 1 MB image upload).
    pub max_body: usize,
    /// Body bytes all requests in flight may hold together; a body that would exceed it is
    /// refused (503) until others finish.
    pub body_budget: usize,
    /// The largest request head (request line and headers).
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            per_network: 128,
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            max_body: 4 * 1024 * 1024,
            body_budget: 32 * 1024 * 1024,
            max_header_bytes: 32 * 1024,
        }
    }
}

pub struct Gate {
    limits: Limits,
    connections: Arc<Semaphore>,
    per_network: Mutex<HashMap<IpAddr, usize>>,
    body_bytes: Arc<Semaphore>,
}

/// Held for as long as a connection is open.
pub struct Admission {
    gate: Arc<Gate>,
    net: IpAddr,
    _slot: OwnedSemaphorePermit,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut map = self.gate.lock();
        if let Some(n) = map.get_mut(&self.net) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.net);
            }
        }
    }
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// It did not arrive within the body deadline.
    Slow,
    /// The body budget is spent by other requests in flight.
    Busy,
    Broken,
}

/// A body and its share of the budget, given back when the request is answered.
pub struct HeldBody {
    pub bytes: Bytes,
    _share: Option<OwnedSemaphorePermit>,
}

impl Gate {
    pub fn new(limits: Limits) -> Arc<Gate> {
        Arc::new(Gate {
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            body_bytes: Arc::new(Semaphore::new(limits.body_budget)),
            per_network: Mutex::new(HashMap::new()),
            limits,
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A slot for a new connection from `peer`, or `None` if it must be closed.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Admission> {
        let slot = self.connections.clone().try_acquire_owned().ok()?;
        let net = network(peer);
        let mut map = self.lock();
        let n = map.entry(net).or_insert(0);
        if *n >= self.limits.per_network {
            return None;
        }
        *n += 1;
        drop(map);
        Some(Admission {
            gate: self.clone(),
            net,
            _slot: slot,
        })
    }

    /// Open connections from `peer`'s network.
    pub fn open_from(&self, peer: IpAddr) -> usize {
        self.lock().get(&network(peer)).copied().unwrap_or(0)
    }

    /// Reads a whole body within the limits.
    pub async fn read_body(
        &self,
        mut body: Incoming,
        declared: Option<u64>,
    ) -> Result<HeldBody, BodyError> {
        let max = self.limits.max_body;
        if declared.is_some_and(|n| n > max as u64) {
            return Err(BodyError::TooLarge);
        }
        let deadline = Instant::now() + self.limits.body_timeout;
        let mut bytes = Vec::new();
        let mut share: Option<OwnedSemaphorePermit> = None;
        loop {
            let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
                Err(_) => return Err(BodyError::Slow),
                Ok(None) => break,
                Ok(Some(Err(_))) => return Err(BodyError::Broken),
                Ok(Some(Ok(f))) => f,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if data.is_empty() {
                continue;
            }
            if bytes.len() + data.len() > max {
                return Err(BodyError::TooLarge);
            }
            let n = u32::try_from(data.len()).map_err(|_| BodyError::TooLarge)?;
            // Refused at once rather than queued: a queue would let a few held bodies stall
            // every form behind them.
            let more = self
                .body_bytes
                .clone()
                .try_acquire_many_owned(n)
                .map_err(|_| BodyError::Busy)?;
            match &mut share {
                Some(s) => s.merge(more),
                None => share = Some(more),
            }
            bytes.extend_from_slice(&data);
        }
        Ok(HeldBody {
            bytes: Bytes::from(bytes),
            _share: share,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.per_network.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_systemd_unit_leaves_room_beside_the_connection_cap() {
        let unit = include_str!("../../contrib/steppe.service");
        let nofile: usize = unit
            .lines()
            .find_map(|l| l.strip_prefix("LimitNOFILE="))
            .and_then(|v| v.trim().parse().ok())
            .expect("the unit sets LimitNOFILE");
        assert!(nofile >= 4 * Limits::default().max_connections, "{nofile}");
    }

    #[test]
    fn connections_are_capped_per_network_and_in_all() {
        let gate = Gate::new(Limits {
            max_connections: 5,
            per_network: 2,
            ..Limits::default()
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let a6: IpAddr = "2001:db8::1".parse().unwrap();
        let b6: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert!(gate.admit(a).is_none(), "a third from one address");
        let _x = gate.admit(a6).unwrap();
        let _y = gate.admit(b6).unwrap();
        assert!(gate.admit(b6).is_none(), "one /64 is one network");
        drop(first);
        assert_eq!(gate.open_from(a), 1);
        let _third = gate.admit(a).unwrap();
        let _z = gate.admit("10.0.0.9".parse().unwrap()).unwrap();
        assert!(
            gate.admit("10.0.0.10".parse().unwrap()).is_none(),
            "five in all"
        );
    }
}
