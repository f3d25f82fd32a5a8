//! xunjian (巡检): continuous compliance checks of government new-media
//! accounts for a city government-affairs office.
//!
//! Data flows one way: adapters → store → rules → notify / report / web
//! (the office console).

pub mod accounts;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod check;
pub mod config;
pub mod daemon;
pub mod debug_cmd;
pub mod notify;
pub mod poll;
pub mod registry;
pub mod report;
pub mod rules;
pub mod secrets;
pub mod store;
pub mod web;

pub use xunjian_adapters as adapters;
