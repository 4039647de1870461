//! The server-rendered pages, one module per menu.

pub mod account;
pub mod admins;
pub mod audit;
pub mod bank_accounts;
pub mod banners;
pub mod bills;
pub mod customers;
pub mod extensions;
pub mod feedback;
pub mod home;
pub mod login;
pub mod message_settings;
pub mod messages;
pub mod misc;
pub mod pay_here;
pub mod payments;
pub mod plans;
pub mod portal;
pub mod portal_pay;
pub mod qpay_invoices;
pub mod qpay_settings;
pub mod reports;
pub mod roles;
pub mod routers;
pub mod settings;
pub mod vouchers;
