//! # drs-core — the domain of DRS Orchestrator
//!
//! Everything a DR coordinator edits and the rules it must obey, with no I/O, no Tauri and no
//! AWS SDK: the GUI, the CLI and the store all go through these types.
//!
//! - [`target`]: an AWS account + regions the app talks to, and how its credentials are found.
//! - [`group`]: protection groups — which source servers (tags or explicit IDs) and how they launch.
//! - [`plan`]: recovery plans — ordered waves of groups with dependencies, approvals, timeouts.
//! - [`step`]: a wave's runbook steps (manual, SSM command and automation, Route 53, checks).
//! - [`validation`]: the [`Problem`] every check reports (field path, message, severity).
//! - [`rules`]: AWS formats (account IDs, regions, tag rules, resource IDs).
//! - [`inventory`]: what DRS and EC2 report (source servers, replication, instances), in our types.
//! - [`cloud`]: the `Cloud` port — the AWS operations the app uses, shaped by our needs, not the SDK.
//! - [`document`]: the versioned YAML schema (`apiVersion: drs-orchestrator/v1`) for import and
//!   export, with line/column for every problem.
//! - [`execution`]: the execution engine (drills and recoveries) and its ports (`Journal`,
//!   `Clock`), with a deterministic simulation of it.
//! - [`launch_actions`]: DRS post-launch actions a group gives its servers, and their runs.
//! - [`readiness`], [`pairing`], [`launch_into`], [`group_settings`], [`health`], [`tag_sync`]:
//!   the judgements and plans of changes the app makes, as pure functions of what AWS reported.
//! - [`delivery`]: where scheduled reports are delivered (S3, SES) and each delivery's record.
//! - [`timestamp`]: time, written and read one way (RFC 3339, UTC) and a clock.

pub mod cloud;
pub mod delivery;
pub mod document;
pub mod execution;
pub mod failback;
pub mod group;
pub mod group_settings;
pub mod health;
pub mod inventory;
pub mod jobs;
pub mod launch;
pub mod launch_actions;
pub mod launch_into;
pub mod monitoring;
pub mod native_plan;
pub mod pairing;
pub mod permissions;
pub mod plan;
pub mod readiness;
pub mod rules;
pub mod step;
pub mod tag_sync;
pub mod target;
pub mod timestamp;
pub mod validation;
mod yaml_index;

pub use document::{Document, DocumentKind, ParseError, API_VERSION};
pub use group::{LaunchMode, LaunchSettings, ProtectionGroup, Selector, ServerOverride};
pub use plan::{FailurePolicy, RecoveryPlan, Wave};
pub use step::{CheckKind, Step, StepFailure, StepKind};
pub use target::{CredentialSource, RoleBase, ServiceEndpoints, Target};
pub use validation::{Problem, Severity};
