//! The integration suite, linked once: every test here runs the real app — its binary as a
//! CLI, its window over WebDriver, its IPC on Tauri's mock runtime — against the sandbox over
//! HTTP, moto and the AWS CLI as peers, a real SQLite file and a real Secret Service.
//!
//! One binary instead of one per file: each links the whole app, which costs about a minute
//! per binary on two cores. Run one area with `cargo test --test suite cli::`, one test with
//! its full name.

mod common;

mod aws_cli;
mod cli;
mod credentials;
mod e2e_window;
mod executions;
mod failback;
mod group_settings;
mod health;
mod ipc;
mod monitoring;
mod native;
mod pairs_cli;
mod schedules;
mod tags;
