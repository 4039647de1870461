//! Black-box tests of the real server over HTTP: one binary, shared helpers.

mod api;
mod authz;
mod backup;
mod billing;
mod browser;
mod cli;
mod contract;
mod crash;
mod dashboard;
mod enforcement;
mod escaping;
mod hardening;
mod helpers;
mod hostile;
mod i18n;
mod limits;
mod messages;
mod migrate;
mod network;
mod pages;
mod portal;
mod reports;
mod selfpay;
mod sessions;
mod tls;
mod webdriver;
