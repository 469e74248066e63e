//! Protection groups' launch settings against DRS and EC2, for the CLI and the window alike:
//! preview (members in the live inventory, conflicts with other groups, checks against what
//! exists in AWS, and each server's per-field difference), apply after confirmation (written
//! down first, then server by server with progress), drift, and rollback of an apply from its
//! record.

use crate::connect::{connect, resolve_targets, EmbeddedSandbox, Resolved};
use drs_core::cloud::{Cloud, CloudError};
use drs_core::group_settings::{
    self as gs, Conflict, FieldChange, LaunchApplication, ServerApplyStatus, ServerRecord,
};
use drs_core::launch::{LaunchConfiguration, LaunchConfigurationUpdate, LaunchTemplate};
use drs_core::launch_actions::{self as la, LaunchAction};
use drs_core::validation::Problem;
use drs_core::ProtectionGroup;
use drs_secrets::Secrets;
use drs_store::{Store, StoreError};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Calls in flight per target (the SDK's retries absorb DRS and EC2 throttling on top).
const IN_FLIGHT: usize = 8;

/// Why a preview, apply or rollback could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The store refused (unknown group, damaged file, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The target could not be reached or refused.
    #[error(transparent)]
    Cloud(#[from] CloudError),
    /// The group's settings are wrong against what exists in AWS (nothing was changed).
    #[error("the launch settings of protection group \"{group}\" are not valid in AWS:\n{}", .problems.iter().map(|p| format!("  {}: {}", p.path, p.message)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Group.
        group: String,
        /// Each problem with its field.
        problems: Vec<Problem>,
    },
    /// The apply cannot be rolled back (already rolled back, or a rollback itself).
    #[error("{0}")]
    Conflict(String),
}

/// What a preview or apply needs from the store and keychain. Blocking.
pub struct Prepared {
    /// The group.
    pub group: ProtectionGroup,
    /// Every group of the same target (for conflicts).
    pub same_target: Vec<ProtectionGroup>,
    resolved: Result<Resolved, CloudError>,
}

/// Reads the group, the groups it could conflict with, and its target's connection. Blocking.
pub fn prepare(store: &Store, secrets: &dyn Secrets, group: &str) -> Result<Prepared, StoreError> {
    let g = store.group(group)?;
    let same_target = store
        .groups()?
        .into_iter()
        .filter(|x| x.target == g.target)
        .collect();
    let resolved = resolve_targets(store, secrets, Some(&g.target))?
        .into_iter()
        .next()
        .map(|(_, r)| r)
        .unwrap_or_else(|| {
            Err(CloudError::Credentials(format!(
                "target \"{}\" does not exist",
                g.target
            )))
        });
    Ok(Prepared {
        group: g,
        same_target,
        resolved,
    })
}

/// Like [`prepare`], for a group being edited (not saved yet): conflicts are checked against
/// every saved group of its target except the one it was loaded as. Blocking.
pub fn prepare_draft(
    store: &Store,
    secrets: &dyn Secrets,
    draft: ProtectionGroup,
    original: Option<&str>,
) -> Result<Prepared, StoreError> {
    let mut same_target: Vec<ProtectionGroup> = store
        .groups()?
        .into_iter()
        .filter(|x| x.target == draft.target)
        .filter(|x| Some(x.name.as_str()) != original && x.name != draft.name)
        .collect();
    same_target.push(draft.clone());
    let resolved = resolve_targets(store, secrets, Some(&draft.target))
        .ok()
        .and_then(|t| t.into_iter().next())
        .map(|(_, r)| r)
        .unwrap_or_else(|| {
            Err(CloudError::Credentials(format!(
                "target \"{}\" does not exist",
                draft.target
            )))
        });
    Ok(Prepared {
        group: draft,
        same_target,
        resolved,
    })
}

/// Which servers a group selects now (one DescribeSourceServers, no launch settings read).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "GroupMembers")]
pub struct Members {
    /// The servers.
    pub members: Vec<Member>,
    /// Explicit IDs no longer in the inventory.
    pub missing: Vec<String>,
    /// Servers another group selects too.
    pub conflicts: Vec<Conflict>,
    /// Servers in the target.
    pub inventory: usize,
}

/// The servers the prepared group selects in the live inventory, and its conflicts.
pub async fn members(prepared: &Prepared, cloud: &dyn Cloud) -> Result<Members, CloudError> {
    let g = &prepared.group;
    let servers = cloud.source_servers().await?;
    let inventory: BTreeMap<String, Result<Vec<_>, String>> =
        [(g.target.clone(), Ok(servers.clone()))].into();
    let resolution = gs::resolve(&prepared.same_target, &inventory);
    let m = resolution.of(&g.name).cloned();
    let ids: BTreeSet<String> = m
        .as_ref()
        .map(|m| m.servers.iter().cloned().collect())
        .unwrap_or_default();
    Ok(Members {
        members: servers
            .iter()
            .filter(|s| ids.contains(&s.id))
            .map(|s| Member {
                source_server_id: s.id.clone(),
                name: s.display_name().to_string(),
                replication_state: s.replication_state.as_ref().map(|r| r.as_str().to_string()),
            })
            .collect(),
        missing: m.map(|m| m.missing).unwrap_or_default(),
        conflicts: resolution
            .conflicts
            .into_iter()
            .filter(|c| c.groups.contains(&g.name))
            .collect(),
        inventory: servers.len(),
    })
}

/// One member of a group.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts", rename = "GroupMember")]
pub struct Member {
    /// `s-…`.
    pub source_server_id: String,
    /// Display name.
    pub name: String,
    /// Replication state.
    pub replication_state: Option<String>,
}

/// A server's difference from its group's settings.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct ServerDiff {
    /// `s-…`.
    pub source_server_id: String,
    /// Display name.
    pub name: String,
    /// The fields that differ (empty: in line).
    pub changes: Vec<FieldChange>,
    /// Its configuration or template could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
}

/// A group against the live inventory and what DRS and EC2 hold.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "ipc.ts")]
pub struct GroupPreview {
    /// Group.
    pub group: String,
    /// Target.
    pub target: String,
    /// The servers it selects now.
    pub members: Vec<Member>,
    /// Explicit IDs no longer in the inventory.
    pub missing: Vec<String>,
    /// Servers this group shares with another group.
    pub conflicts: Vec<Conflict>,
    /// The settings against what exists in AWS.
    pub problems: Vec<Problem>,
    /// Per member.
    pub servers: Vec<ServerDiff>,
}

impl GroupPreview {
    /// Servers whose settings differ from the group's.
    pub fn drifted(&self) -> usize {
        self.servers
            .iter()
            .filter(|s| !s.changes.is_empty())
            .count()
    }
}

/// The connection of a prepared group.
pub async fn cloud(
    prepared: &Prepared,
    sandbox: &EmbeddedSandbox,
) -> Result<Arc<dyn Cloud>, CloudError> {
    match &prepared.resolved {
        Ok(r) => connect(r.clone(), sandbox).await,
        Err(e) => Err(e.clone()),
    }
}

struct Current {
    lc: LaunchConfiguration,
    template: Option<LaunchTemplate>,
    /// Its post-launch actions (read when the group declares any, or DRS runs them).
    actions: Vec<LaunchAction>,
}

/// Whether a server's post-launch actions are read: the group declares some, or DRS runs
/// them (and some may be the app's, left over from an earlier declaration).
fn reads_actions(group: &ProtectionGroup, lc: &LaunchConfiguration) -> bool {
    !group.launch.post_launch_actions.is_empty() || lc.post_launch_enabled == Some(true)
}

/// Everything that differs: launch configuration, template and post-launch actions.
fn changes_of(group: &ProtectionGroup, id: &str, c: &Current) -> Vec<FieldChange> {
    let mut changes = gs::diff(&gs::desired(group, id, false), &c.lc, c.template.as_ref());
    if reads_actions(group, &c.lc) {
        changes.extend(la::diff(
            &la::desired(&group.name, &group.launch.post_launch_actions),
            &c.actions,
        ));
    }
    changes
}

/// Reads a server's launch configuration and (when the group sets template fields) its
/// launch template.
async fn current(
    cloud: &dyn Cloud,
    group: &ProtectionGroup,
    id: &str,
) -> Result<Current, CloudError> {
    let lc = cloud.launch_configuration(id).await?;
    let want = gs::desired(group, id, false);
    let needs_template = want.instance_type.is_some()
        || want.subnet_id.is_some()
        || !want.security_group_ids.is_empty()
        || want.private_ip.is_some();
    let template = match (&lc.ec2_launch_template_id, needs_template) {
        (Some(t), true) => Some(cloud.launch_template(t).await?),
        _ => None,
    };
    let actions = if reads_actions(group, &lc) {
        cloud.launch_actions(id).await?
    } else {
        Vec::new()
    };
    Ok(Current {
        lc,
        template,
        actions,
    })
}

/// The group against the inventory, AWS's facts and each member's current settings.
pub async fn preview(prepared: &Prepared, cloud: &dyn Cloud) -> Result<GroupPreview, CloudError> {
    let mut view = inspect(prepared, cloud).await?;
    let g = &prepared.group;
    view.servers = stream::iter(view.members.clone())
        .map(|m| async move {
            match current(cloud, g, &m.source_server_id).await {
                Ok(c) => ServerDiff {
                    source_server_id: m.source_server_id.clone(),
                    name: m.name.clone(),
                    changes: changes_of(g, &m.source_server_id, &c),
                    error: None,
                },
                Err(e) => ServerDiff {
                    source_server_id: m.source_server_id.clone(),
                    name: m.name.clone(),
                    changes: vec![],
                    error: Some(e.to_string()),
                },
            }
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    Ok(view)
}

/// Members, conflicts and the checks against AWS, without reading each server's settings.
async fn inspect(prepared: &Prepared, cloud: &dyn Cloud) -> Result<GroupPreview, CloudError> {
    let g = &prepared.group;
    let servers = cloud.source_servers().await?;
    let inventory: BTreeMap<String, Result<Vec<_>, String>> =
        [(g.target.clone(), Ok(servers.clone()))].into();
    let resolution = gs::resolve(&prepared.same_target, &inventory);
    let membership = resolution.of(&g.name).cloned();
    let ids: Vec<String> = membership
        .as_ref()
        .map(|m| m.servers.clone())
        .unwrap_or_default();
    let by_id: BTreeMap<&str, &drs_core::inventory::SourceServer> =
        servers.iter().map(|s| (s.id.as_str(), s)).collect();
    let members: Vec<Member> = ids
        .iter()
        .filter_map(|id| by_id.get(id.as_str()))
        .map(|s| Member {
            source_server_id: s.id.clone(),
            name: s.display_name().to_string(),
            replication_state: s.replication_state.as_ref().map(|r| r.as_str().to_string()),
        })
        .collect();
    let types: Vec<String> = gs::named_instance_types(g).into_iter().collect();
    let facts = cloud.network_facts(&types).await?;
    Ok(GroupPreview {
        group: g.name.clone(),
        target: g.target.clone(),
        members,
        missing: membership.map(|m| m.missing).unwrap_or_default(),
        conflicts: resolution
            .conflicts
            .into_iter()
            .filter(|c| c.groups.contains(&g.name))
            .collect(),
        problems: gs::check_against(g, &facts),
        servers: vec![],
    })
}

/// Writes one server's new settings, recording what was written.
async fn write_server(cloud: &dyn Cloud, group: &ProtectionGroup, record: &mut ServerRecord) {
    let want = gs::desired(group, &record.source_server_id, false);
    if gs::touches_configuration(&record.changes) {
        match cloud
            .update_launch_configuration(&gs::configuration_update(&want, &record.before))
            .await
        {
            Ok(_) => record.configuration_written = true,
            Err(e) => {
                record.status = ServerApplyStatus::Failed;
                record.error = Some(e.to_string());
                return;
            }
        }
    }
    if gs::touches_template(&record.changes) {
        if let Some(t) = &record.before_template {
            match cloud
                .update_launch_template(&gs::template_update(&want, t))
                .await
            {
                Ok(v) => record.template_version = Some(v),
                Err(e) => {
                    record.status = ServerApplyStatus::Failed;
                    record.error = Some(format!(
                        "{}{e}",
                        if record.configuration_written {
                            "the launch configuration was changed, but the launch template was not: "
                        } else {
                            ""
                        }
                    ));
                    return;
                }
            }
        }
    }
    if la::touches_actions(&record.changes) {
        let want = la::desired(&group.name, &group.launch.post_launch_actions);
        let (put, delete) = la::writes(&want, &record.before_actions, || {
            uuid::Uuid::now_v7().to_string()
        });
        if let Err(e) = write_actions(cloud, &record.source_server_id, &put, &delete).await {
            record.status = ServerApplyStatus::Failed;
            record.error = Some(format!(
                "{}{e}",
                if record.configuration_written || record.template_version.is_some() {
                    "the launch settings were changed, but not every post-launch action: "
                } else {
                    ""
                }
            ));
            return;
        }
        record.actions_written = true;
    }
    record.status = ServerApplyStatus::Applied;
}

/// Puts and deletes a server's post-launch actions.
async fn write_actions(
    cloud: &dyn Cloud,
    server: &str,
    put: &[LaunchAction],
    delete: &[String],
) -> Result<(), CloudError> {
    for a in put {
        cloud.put_launch_action(server, a).await?;
    }
    for id in delete {
        cloud.delete_launch_action(server, id).await?;
    }
    Ok(())
}

/// Progress of an apply: (servers done, servers in all).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// Applies the group's settings to `only` (all drifted servers when empty): re-reads each
/// server's settings, refuses when the settings are invalid in AWS, writes every server's
/// previous values down before any change, then changes them server by server, saving the
/// record after each. `store` is locked only briefly, between calls.
pub async fn apply(
    prepared: &Prepared,
    cloud: &dyn Cloud,
    store: &dyn Records,
    only: &BTreeSet<String>,
    kind: &str,
    actor: &str,
    progress: Progress<'_>,
) -> Result<LaunchApplication, SettingsError> {
    let g = &prepared.group;
    let view = inspect(prepared, cloud).await?;
    if view.problems.iter().any(Problem::is_error) {
        return Err(SettingsError::Invalid {
            group: g.name.clone(),
            problems: view
                .problems
                .into_iter()
                .filter(Problem::is_error)
                .collect(),
        });
    }
    if let Some(c) = view.conflicts.first() {
        return Err(SettingsError::Conflict(format!(
            "{}; narrow one group's selector before applying",
            c.message()
        )));
    }
    let wanted: Vec<&Member> = view
        .members
        .iter()
        .filter(|m| only.is_empty() || only.contains(&m.source_server_id))
        .collect();
    // Fresh reads right before writing: what the record keeps as "before".
    let wanted: Vec<Member> = wanted.into_iter().cloned().collect();
    let currents: Vec<(String, String, Result<Current, CloudError>)> = stream::iter(wanted)
        .map(|m| async move {
            (
                m.source_server_id.clone(),
                m.name.clone(),
                current(cloud, g, &m.source_server_id).await,
            )
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut records = Vec::new();
    for (id, name, c) in currents {
        let c = c?;
        let changes = changes_of(g, &id, &c);
        if changes.is_empty() {
            continue;
        }
        records.push(ServerRecord {
            source_server_id: id,
            name,
            before_actions: c.actions.clone(),
            before: c.lc,
            before_template: c.template,
            changes,
            status: ServerApplyStatus::Pending,
            error: None,
            configuration_written: false,
            template_version: None,
            actions_written: false,
        });
    }
    let app = with(store, |s| {
        s.begin_launch_application(&g.name, &g.target, kind, None, records, actor)
    })?;
    run_records(app, store, progress, |mut r| async move {
        write_server(cloud, g, &mut r).await;
        r
    })
    .await
}

/// Where applies are recorded: the store behind whatever lock its owner keeps it in.
pub trait Records: Sync {
    /// Runs `f` with the store.
    fn with(
        &self,
        f: &mut dyn FnMut(&mut Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

fn poisoned() -> StoreError {
    StoreError::Corrupt("the store lock was poisoned by an earlier failure".into())
}

impl Records for std::sync::Mutex<Store> {
    fn with(
        &self,
        f: &mut dyn FnMut(&mut Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut s = self.lock().map_err(|_| poisoned())?;
        f(&mut s)
    }
}

impl Records for std::sync::Mutex<Option<Store>> {
    fn with(
        &self,
        f: &mut dyn FnMut(&mut Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut s = self.lock().map_err(|_| poisoned())?;
        match s.as_mut() {
            Some(s) => f(s),
            None => Err(StoreError::Corrupt("the store is not open".into())),
        }
    }
}

/// Runs `f` with the store and returns what it gives.
fn with<T>(
    store: &dyn Records,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut f = Some(f);
    let mut out = None;
    store.with(&mut |s| {
        if let Some(f) = f.take() {
            out = Some(f(s)?);
        }
        Ok(())
    })?;
    out.ok_or_else(|| StoreError::Corrupt("the store was not reached".into()))
}

/// Runs `step` on every record of `app`, IN_FLIGHT at a time, saving the record after each
/// server, then finishes (and audits) it.
async fn run_records<F, Fut>(
    mut app: LaunchApplication,
    store: &dyn Records,
    progress: Progress<'_>,
    step: F,
) -> Result<LaunchApplication, SettingsError>
where
    F: Fn(ServerRecord) -> Fut,
    Fut: std::future::Future<Output = ServerRecord>,
{
    let total = app.servers.len();
    progress(0, total);
    let jobs: Vec<(usize, ServerRecord)> = app.servers.iter().cloned().enumerate().collect();
    let mut pending = stream::iter(jobs)
        .map(|(i, r)| {
            let fut = step(r);
            async move { (i, fut.await) }
        })
        .buffer_unordered(IN_FLIGHT);
    let mut done = 0;
    while let Some((i, r)) = pending.next().await {
        app.servers[i] = r;
        done += 1;
        progress(done, total);
        with(store, |s| s.save_launch_application(&app))?;
    }
    drop(pending);
    with(store, |s| s.finish_launch_application(&mut app))?;
    Ok(app)
}

/// Puts back what a server held before an apply: its launch configuration, and its launch
/// template's fields as a new default version.
async fn restore_server(cloud: &dyn Cloud, original: &ServerRecord, record: &mut ServerRecord) {
    if original.configuration_written || original.status == ServerApplyStatus::Pending {
        if let Err(e) = cloud
            .update_launch_configuration(&LaunchConfigurationUpdate::restoring(&original.before))
            .await
        {
            record.status = ServerApplyStatus::Failed;
            record.error = Some(e.to_string());
            return;
        }
        record.configuration_written = true;
    }
    if original.actions_written || original.status == ServerApplyStatus::Pending {
        // The actions as they were: the app's own are put back or removed; others untouched.
        let now = match cloud.launch_actions(&original.source_server_id).await {
            Ok(a) => a,
            Err(e) => {
                record.status = ServerApplyStatus::Failed;
                record.error = Some(e.to_string());
                return;
            }
        };
        let before: Vec<LaunchAction> = original
            .before_actions
            .iter()
            .filter(|a| a.managed())
            .cloned()
            .collect();
        let put: Vec<LaunchAction> = before
            .iter()
            .filter(|b| !now.iter().any(|n| n.action_id == b.action_id && n == *b))
            .cloned()
            .collect();
        let delete: Vec<String> = now
            .iter()
            .filter(|n| n.managed() && !before.iter().any(|b| b.action_id == n.action_id))
            .map(|n| n.action_id.clone())
            .collect();
        if let Err(e) = write_actions(cloud, &original.source_server_id, &put, &delete).await {
            record.status = ServerApplyStatus::Failed;
            record.error = Some(e.to_string());
            return;
        }
        record.actions_written = true;
    }
    if let (Some(before), Some(now)) = (&original.before_template, &record.before_template) {
        if original.template_version.is_some() || original.status == ServerApplyStatus::Pending {
            let restored = LaunchTemplate {
                version: now.version,
                ..before.clone()
            };
            match cloud.update_launch_template(&restored).await {
                Ok(v) => record.template_version = Some(v),
                Err(e) => {
                    record.status = ServerApplyStatus::Failed;
                    record.error = Some(e.to_string());
                    return;
                }
            }
        }
    }
    record.status = ServerApplyStatus::Applied;
}

/// Rolls back apply `id` of the group: every server it changed (or may have changed, when it
/// was interrupted) gets its previous launch configuration and template back. Recorded and
/// audited like an apply.
pub async fn rollback(
    prepared: &Prepared,
    cloud: &dyn Cloud,
    store: &dyn Records,
    id: i64,
    actor: &str,
    progress: Progress<'_>,
) -> Result<LaunchApplication, SettingsError> {
    let g = &prepared.group;
    let original = with(store, |s| s.launch_application(id))?;
    if original.group != g.name {
        return Err(SettingsError::Conflict(format!(
            "apply {id} belongs to protection group \"{}\", not \"{}\"",
            original.group, g.name
        )));
    }
    if original.kind == "rollback" {
        return Err(SettingsError::Conflict(format!(
            "{id} is itself a rollback; apply the group's settings again instead"
        )));
    }
    if let Some(by) = original.rolled_back_by {
        return Err(SettingsError::Conflict(format!(
            "apply {id} was already rolled back (by {by})"
        )));
    }
    let touched: Vec<ServerRecord> = original
        .servers
        .iter()
        .filter(|s| {
            s.status != ServerApplyStatus::Failed
                || s.configuration_written
                || s.template_version.is_some()
                || s.actions_written
        })
        .cloned()
        .collect();
    let currents: Vec<(ServerRecord, Result<Current, CloudError>)> = stream::iter(touched)
        .map(|s| async move {
            let lc = cloud.launch_configuration(&s.source_server_id).await;
            let c = match lc {
                Ok(lc) => {
                    let template = match (&s.before_template, &lc.ec2_launch_template_id) {
                        (Some(_), Some(t)) => cloud.launch_template(t).await.map(Some),
                        _ => Ok(None),
                    };
                    template.map(|template| Current {
                        lc,
                        template,
                        actions: Vec::new(),
                    })
                }
                Err(e) => Err(e),
            };
            (s, c)
        })
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut records = Vec::new();
    for (s, c) in currents {
        let c = c?;
        records.push(ServerRecord {
            source_server_id: s.source_server_id.clone(),
            name: s.name.clone(),
            before_actions: c.actions,
            before: c.lc,
            before_template: c.template,
            changes: s
                .changes
                .iter()
                .map(|f| FieldChange {
                    field: f.field.clone(),
                    before: f.after.clone(),
                    after: f.before.clone(),
                })
                .collect(),
            status: ServerApplyStatus::Pending,
            error: None,
            configuration_written: false,
            template_version: None,
            actions_written: false,
        });
    }
    let app = with(store, |s| {
        s.begin_launch_application(&g.name, &g.target, "rollback", Some(id), records, actor)
    })?;
    let originals: BTreeMap<String, ServerRecord> = original
        .servers
        .iter()
        .map(|s| (s.source_server_id.clone(), s.clone()))
        .collect();
    let originals = &originals;
    run_records(app, store, progress, |mut r| async move {
        if let Some(o) = originals.get(&r.source_server_id) {
            restore_server(cloud, o, &mut r).await;
        }
        r
    })
    .await
}

impl Records for crate::App {
    fn with(
        &self,
        f: &mut dyn FnMut(&mut Store) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.store.with(f)
    }
}

impl crate::App {
    /// The servers a group being edited selects now, and its conflicts.
    pub async fn group_members(
        &self,
        draft: ProtectionGroup,
        original_name: Option<String>,
    ) -> Result<Members, crate::AppError> {
        let prepared = self
            .with_store_and_keychain(move |s, k| {
                Ok(prepare_draft(s, k, draft, original_name.as_deref())?)
            })
            .await?;
        let cloud = cloud(&prepared, self.sandbox()).await?;
        Ok(members(&prepared, cloud.as_ref()).await?)
    }

    /// A saved group against the live inventory and what DRS and EC2 hold.
    pub async fn group_preview(&self, name: &str) -> Result<GroupPreview, crate::AppError> {
        let name = name.to_string();
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(prepare(s, k, &name)?))
            .await?;
        let cloud = cloud(&prepared, self.sandbox()).await?;
        Ok(preview(&prepared, cloud.as_ref()).await?)
    }

    /// Applies a group's launch settings to `only` (every server that differs when empty),
    /// with progress; `kind` is `apply` or `remediate`.
    pub async fn apply_group(
        &self,
        name: &str,
        only: &BTreeSet<String>,
        kind: &str,
        progress: Progress<'_>,
    ) -> Result<LaunchApplication, crate::AppError> {
        let group = name.to_string();
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(prepare(s, k, &group)?))
            .await?;
        let cloud = cloud(&prepared, self.sandbox()).await?;
        Ok(apply(
            &prepared,
            cloud.as_ref(),
            self,
            only,
            kind,
            self.actor(),
            progress,
        )
        .await?)
    }

    /// Puts back what apply `id` of group `name` changed, with progress.
    pub async fn rollback_group(
        &self,
        name: &str,
        id: i64,
        progress: Progress<'_>,
    ) -> Result<LaunchApplication, crate::AppError> {
        let group = name.to_string();
        let prepared = self
            .with_store_and_keychain(move |s, k| Ok(prepare(s, k, &group)?))
            .await?;
        let cloud = cloud(&prepared, self.sandbox()).await?;
        Ok(rollback(&prepared, cloud.as_ref(), self, id, self.actor(), progress).await?)
    }
}
