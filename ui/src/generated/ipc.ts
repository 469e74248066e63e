// The types that cross IPC between the window and the Rust backend, generated from
// the Rust types (ts-rs) by the drs-app test `ipc::typescript`. Do not edit: change
// the Rust type, then regenerate this file with
//   DRS_UPDATE_IPC_TYPES=1 cargo test -p drs-app --lib ipc

/**
 * What an action is for (DRS's category).
 */
export type ActionCategory = "validation" | "monitoring" | "configuration" | "security" | "other";

/**
 * How one action ran on a recovered server (from the job's `launchActionsStatus`).
 */
export type ActionRun = {
/**
 * Action name.
 */
name: string,
/**
 * `IN_PROGRESS`, `SUCCEEDED` or `FAILED`; `PENDING` before DRS reports a run.
 */
status: string,
/**
 * A failure does not count against the server.
 */
optional: boolean,
/**
 * Why it failed.
 */
failure?: string, };

/**
 * What the header and Settings page show.
 */
export type AppInfo = {
/**
 * App version.
 */
version: string,
/**
 * The data directory.
 */
dataDir: string,
/**
 * The database file, when open.
 */
database: string | null,
/**
 * Why the database could not be opened.
 */
storeError: string | null,
/**
 * Who edits are recorded as.
 */
actor: string,
/**
 * The startup check of the OS keychain (`unavailable` comes with `keychainError`).
 */
keychain: KeychainState,
/**
 * Why the keychain cannot be used.
 */
keychainError: string | null,
/**
 * The data directory or database when others may read them.
 */
accessWarnings: Array<string>, };

/**
 * What an apply (or undo) did.
 */
export type ApplyOutcome = {
/**
 * Written, with `after` as DRS returned it.
 */
applied: Array<PairChange>,
/**
 * Not written, with the reason (including the re-check right before writing).
 */
skipped: Array<Skipped>,
/**
 * DRS refused, with its message.
 */
failed: Array<Skipped>, };

/**
 * What an apply (or undo) would do, for the confirmation.
 */
export type ApplyPlan = {
/**
 * Launch configurations that change.
 */
changes: Array<PairChange>,
/**
 * Valid pairs already set (nothing to write).
 */
unchanged: number,
/**
 * Pairs that are not written, with the reason.
 */
skipped: Array<Skipped>, };

/**
 * One audit entry.
 */
export type AuditEntry = {
/**
 * Increasing sequence number.
 */
id: number,
/**
 * RFC 3339 UTC time.
 */
at: string,
/**
 * Who (OS user now; the caller ARN once AWS actions exist).
 */
actor: string,
/**
 * What, e.g. `plan.update`.
 */
action: string,
/**
 * `plan`, `group`, `target`.
 */
subjectKind: string,
/**
 * The object's name.
 */
subject: string,
/**
 * Details as JSON (revision numbers, previous names, …).
 */
detail: unknown,
/**
 * The AWS identity (caller ARN) the action used, where it used one.
 */
awsIdentity?: string, };

/**
 * A failure of a use case, with what to show.
 */
export type BackendError = {
/**
 * What kind.
 */
code: ErrorCode,
/**
 * For people.
 */
message: string,
/**
 * Validation problems, for `invalid`.
 */
problems?: Array<Problem>, };

/**
 * A failure of a loop that runs while the app does.
 */
export type BackgroundProblem = {
/**
 * Which loop.
 */
what: string,
/**
 * What failed.
 */
message: string,
/**
 * When (RFC 3339).
 */
at: string, };

/**
 * One `StartRecovery` job of an execution.
 */
export type Batch = {
/**
 * Unique within the execution (`<wave index>-<n>`), also a job tag.
 */
key: string,
/**
 * Target.
 */
target: string,
/**
 * Wave.
 */
wave: string,
/**
 * Its servers.
 */
servers: Array<string>,
/**
 * When it was written down (engine clock), before its first `StartRecovery`.
 */
admittedAt?: string,
/**
 * The DRS job, once started (or found again by its tags).
 */
jobId?: string,
/**
 * When DRS created the job.
 */
jobCreatedAt?: string,
/**
 * When DRS ended the job.
 */
jobEndedAt?: string,
/**
 * The last `StartRecovery` answered with an error whose outcome is unknown: look for the
 * job by its tags before starting it again.
 */
uncertain: boolean,
/**
 * Conflicts in a row with no job of ours found.
 */
conflicts?: number,
/**
 * The job ended and its log, recovery instances and launch times were read (or the batch
 * never started: refused or cancelled).
 */
done: boolean,
/**
 * Starting it (or reading its end), retried.
 */
retry?: Retry, };

/**
 * Who the app is acting as (STS GetCallerIdentity).
 */
export type CallerIdentity = {
/**
 * Account ID.
 */
account: string,
/**
 * Caller ARN.
 */
arn: string,
/**
 * User ID.
 */
userId: string, };

/**
 * What a check step verifies.
 */
export type CheckKind = "ec2Status" | "ssmAgent" | "tcp" | "http";

/**
 * A drill's cleanup.
 */
export type Cleanup = {
/**
 * `notNeeded`, `pending`, `awaitingConfirmation`, `running`, `verified`, `skipped`,
 * `abandoned` (a person gave up; `remaining` lists what is left), or `failed` (earlier
 * versions).
 */
status: string,
/**
 * The recovery instances of this drill's own jobs were listed (`items`).
 */
listed: boolean,
/**
 * Each recovery instance of this drill's jobs and what is done with it.
 */
items?: Array<CleanupItem>,
/**
 * TERMINATE jobs started, per target.
 */
jobs: Array<[string, string]>,
/**
 * Recovery instances still there after cleanup (the proof is that this is empty).
 */
remaining: Array<string>,
/**
 * What happened, in words.
 */
message?: string,
/**
 * A step that failed, retried on later ticks.
 */
retry?: Retry, };

/**
 * What cleanup does with one recovery instance of the drill.
 */
export type CleanupAction = "terminate" | "stopAndDisconnect";

/**
 * One recovery instance a drill's cleanup handles.
 */
export type CleanupItem = {
/**
 * Target.
 */
target: string,
/**
 * DRS recovery instance ID.
 */
recoveryInstanceId: string,
/**
 * Its EC2 instance.
 */
ec2InstanceId?: string,
/**
 * Its source server.
 */
sourceServerId?: string,
/**
 * The job that launched it (one of this execution's).
 */
launchedByJob?: string,
/**
 * Terminate, or stop and disconnect.
 */
action: CleanupAction,
/**
 * Why it is not terminated, when it is not.
 */
keptBecause?: string,
/**
 * Where it is.
 */
state: CleanupState,
/**
 * The TERMINATE job, once known.
 */
jobId?: string,
/**
 * When the terminate or stop was last sent (engine clock).
 */
sentAt?: string,
/**
 * The last terminate answered with an error whose outcome is unknown.
 */
uncertain: boolean, };

/**
 * One thing a cleanup acts on.
 */
export type CleanupLine = {
/**
 * Server name.
 */
server: string,
/**
 * Target.
 */
target: string,
/**
 * The source server or recovery instance.
 */
id: string,
/**
 * Its EC2 instance, for a recovery instance.
 */
ec2InstanceId?: string,
/**
 * Why it is kept, when it is.
 */
why?: string, };

/**
 * Where one item of a cleanup is.
 */
export type CleanupState = "found" | "terminating" | "stopping" | "done";

/**
 * Where a target's credentials come from.
 */
export type CredentialSource = { "kind": "sandbox" } | { "kind": "profile",
/**
 * Profile name in `~/.aws/config`.
 */
profile: string, } | { "kind": "assumeRole",
/**
 * ARN of the role to assume.
 */
roleArn: string,
/**
 * Name of the base profile or target whose credentials assume the role.
 */
via: string,
/**
 * Whether `via` names a profile or a target.
 */
viaKind: RoleBase,
/**
 * Session name shown in CloudTrail.
 */
sessionName?: string,
/**
 * True when an external ID is kept in the OS keychain for this target.
 */
externalIdStored: boolean, } | { "kind": "accessKeys",
/**
 * The access key ID (not secret).
 */
accessKeyId: string,
/**
 * True when a session token is kept in the OS keychain too.
 */
sessionTokenStored: boolean, };

/**
 * How a report travels.
 */
export type DeliveryChannel = "s3" | "email";

/**
 * One report file through one channel.
 */
export type DeliveryRecord = {
/**
 * The plan the report is about.
 */
plan: string,
/**
 * The report file (in the schedule's folder).
 */
file: string,
/**
 * How.
 */
channel: DeliveryChannel,
/**
 * `s3://bucket/key` or the recipients.
 */
destination: string,
/**
 * Where it stands.
 */
status: DeliveryStatus,
/**
 * Attempts made.
 */
attempts: number,
/**
 * When the last attempt was made (RFC 3339).
 */
lastAttempt: string,
/**
 * When it is retried (RFC 3339), while retrying.
 */
nextAttempt?: string,
/**
 * S3: the object's key.
 */
key?: string,
/**
 * S3: the object's version (in a versioned bucket).
 */
versionId?: string,
/**
 * E-mail: SES's message ID.
 */
messageId?: string,
/**
 * The last failure.
 */
error?: string,
/**
 * The e-mail's summary paragraph (kept for retries).
 */
summary: string, };

/**
 * Where a delivery stands.
 */
export type DeliveryStatus = "delivered" | "retrying" | "gave-up";

/**
 * The installation as support sees it.
 */
export type Diagnostics = {
/**
 * App version.
 */
version: string,
/**
 * Operating system and architecture.
 */
platform: string,
/**
 * The data directory.
 */
dataDir: string,
/**
 * The database file, when open.
 */
database: string | null,
/**
 * Why the database is not open.
 */
storeError: string | null,
/**
 * The log directory (when logging to a file).
 */
logDir: string | null,
/**
 * The newest log file.
 */
logFile: string | null,
/**
 * Who edits are recorded as.
 */
actor: string,
/**
 * The OS keychain: `checking`, `ok` or why it cannot be used.
 */
keychain: string,
/**
 * The targets.
 */
targets: Array<TargetLine>,
/**
 * Unfinished executions.
 */
unfinishedExecutions: number,
/**
 * The data directory or database when others may read them.
 */
accessWarnings: Array<string>,
/**
 * What failed in the background and has not worked since.
 */
backgroundProblems: Array<BackgroundProblem>, };

/**
 * The diagnostics and their text to paste into a support ticket.
 */
export type DiagnosticsText = {
/**
 * The facts.
 */
diagnostics: Diagnostics,
/**
 * As text.
 */
text: string, };

/**
 * Which way an execution goes.
 */
export type Direction = "failover" | "failback";

/**
 * The way back for one server in a failback: its recovery-region instance stopped (so its
 * last writes replicate), its original instance made ready, its launch-into set, and the lag
 * of its failback source server under the threshold — each written down before it is sent.
 */
export type Drain = {
/**
 * The recovery-region EC2 instance to stop before the launch.
 */
recoveryEc2InstanceId?: string,
/**
 * Its stop was sent.
 */
stopSent: boolean,
/**
 * It is stopped (read back).
 */
stopped: boolean,
/**
 * The original instance in the origin region.
 */
originalInstanceId?: string,
/**
 * What is done with it.
 */
originalUse: OriginalUse,
/**
 * The original was tagged and its stop sent (PrepareThenLaunchInto).
 */
originalPrepareSent: boolean,
/**
 * The original is stopped and tagged (read back).
 */
originalReady: boolean,
/**
 * The failback source server's launch-into setting matches `original_use` (AWS
 * confirmed).
 */
launchSet: boolean,
/**
 * The lag the failback source server must be under before the launch, in seconds.
 */
maxLagSeconds: number,
/**
 * Its lag as last read.
 */
lagSeconds?: number,
/**
 * Everything above is done: the server may launch.
 */
done: boolean, };

/**
 * DRS's copy against the plan.
 */
export type Drift = {
/**
 * The verdict.
 */
state: DriftState,
/**
 * The revision DRS's copy was published from.
 */
publishedRevision?: number,
/**
 * Each difference between DRS's copy and the plan, in words.
 */
differences: Array<string>, };

/**
 * Whether DRS's copy of a plan matches the plan.
 */
export type DriftState = "notPublished" | "inSync" | "olderRevision" | "changedInDrs" | "notOurs";

/**
 * Where a group's drills launch instead of its recovery network.
 */
export type DrillNetwork = {
/**
 * The isolated subnet.
 */
subnetId: string,
/**
 * Its security groups (empty: keep the recovery ones).
 */
securityGroupIds?: Array<string>, };

/**
 * Who drives an execution, as the lease says.
 */
export type Driver = { "state": "none" } | { "state": "live",
/**
 * Owner.
 */
owner: string,
/**
 * Seconds since its last heartbeat.
 */
secondsSinceHeartbeat: number, } | { "state": "stale",
/**
 * Owner.
 */
owner: string,
/**
 * Seconds since its last heartbeat.
 */
secondsSinceHeartbeat: number, };

/**
 * An EC2 instance.
 */
export type Ec2Instance = {
/**
 * `i-…`.
 */
id: string,
/**
 * Target it was read from.
 */
target: string,
/**
 * Region.
 */
region: string,
/**
 * The `Name` tag.
 */
name: string | null,
/**
 * State.
 */
state: InstanceState,
/**
 * Instance type.
 */
instanceType: string | null,
/**
 * Private IPv4.
 */
privateIp: string | null,
/**
 * Subnet.
 */
subnetId: string | null,
/**
 * `x86_64`, `arm64`, …
 */
architecture: string | null,
/**
 * Platform details (`Linux/UNIX`, `Windows`, …).
 */
platform: string | null,
/**
 * `ebs` or `instance-store`.
 */
rootDeviceType: string | null,
/**
 * `legacy-bios`, `uefi`, …
 */
bootMode: string | null,
/**
 * Tags.
 */
tags: { [key in string]: string },
/**
 * When it was last launched or started (EC2's `LaunchTime`, RFC 3339).
 */
launchTime?: string, };

/**
 * By e-mail through SES.
 */
export type EmailDelivery = {
/**
 * The sender: an address or domain verified in SES in the target's recovery region.
 */
from: string,
/**
 * The recipients.
 */
to: Array<string>, };

/**
 * Server-side encryption of the delivered object.
 */
export type Encryption = "s3-managed" | "kms";

/**
 * Where one service's requests go.
 */
export type EndpointInUse = {
/**
 * `drs`, `ec2` or `sts`.
 */
service: string,
/**
 * The URL, or how AWS's own is reached.
 */
url: string, };

/**
 * What kind of failure, as the window branches on it and the CLI exits with it.
 */
export type ErrorCode = "invalid" | "not_found" | "conflict" | "not_ready" | "store_unavailable" | "io" | "aws" | "keychain" | "internal";

/**
 * An EventBridge rule routing DRS events to the topic.
 */
export type EventRule = {
/**
 * Rule name.
 */
name: string,
/**
 * What it catches, in words.
 */
description: string,
/**
 * Its event pattern (JSON text, as EventBridge takes it).
 */
pattern: string, };

/**
 * One run of a plan.
 */
export type Execution = {
/**
 * `exec-…` (time-ordered, unique).
 */
id: string,
/**
 * Plan name.
 */
plan: string,
/**
 * Plan revision used.
 */
planRevision: number,
/**
 * Drill, recovery or reprotect.
 */
kind: ExecutionKind,
/**
 * Towards the recovery region, or back to the origin region.
 */
direction: Direction,
/**
 * Who started it.
 */
startedBy: string,
/**
 * The AWS identity (caller ARN) of each target, read when it started.
 */
identities?: { [key in string]: string },
/**
 * When (RFC 3339, on the execution's clock: the sandbox's simulated clock on the sandbox).
 */
startedAt: string,
/**
 * When it ended.
 */
endedAt?: string,
/**
 * Status.
 */
status: ExecutionStatus,
/**
 * The plan's RTO target.
 */
rtoTargetMinutes?: number,
/**
 * Clean up a drill without asking.
 */
autoCleanup: boolean,
/**
 * Waves in plan order.
 */
waves: Array<WaveRun>,
/**
 * Jobs.
 */
batches: Array<Batch>,
/**
 * Launch-into settings suspended for a drill.
 */
suspended: Array<Suspended>,
/**
 * Servers moved to a drill-only network for a drill.
 */
isolated?: Array<Isolated>,
/**
 * A drill's cleanup.
 */
cleanup: Cleanup,
/**
 * Times the engine did not run.
 */
gaps?: Array<Gap>,
/**
 * The engine's last tick (its clock).
 */
lastTickAt?: string,
/**
 * Why it failed, when it did.
 */
failure?: string,
/**
 * Where each server is (its wave and place), built on first use: servers never move once
 * an execution is set up.
 * DRS runs this execution (a native recovery plan's); the app only follows it.
 */
native?: NativeRef, };

/**
 * One execution, its events, and who drives it.
 */
export type ExecutionDetail = {
/**
 * The state.
 */
execution: Execution,
/**
 * Its events, oldest first.
 */
events: Array<ExecutionEvent>,
/**
 * Who drives it (from its lease).
 */
driver: Driver,
/**
 * This process drives it.
 */
driving: boolean,
/**
 * What is being retried now and why.
 */
retries: Array<[string, string]>,
/**
 * Its recovery time so far: launch-only and to "application up".
 */
rto: RtoMeasure, };

/**
 * An event of an execution.
 */
export type ExecutionEvent = {
/**
 * When.
 */
at: string,
/**
 * What.
 */
event: string,
/**
 * The execution's status then.
 */
status: string, };

/**
 * Drill or real recovery.
 */
export type ExecutionKind = "drill" | "recovery" | "reprotect";

/**
 * Where an execution is.
 */
export type ExecutionStatus = "preparing" | "running" | "paused" | "cancelling" | "cleaningUp" | "completed" | "failed" | "cancelled";

/**
 * One execution in a list.
 */
export type ExecutionSummary = {
/**
 * ID.
 */
id: string,
/**
 * Plan.
 */
plan: string,
/**
 * `drill`, `recovery` or `reprotect`.
 */
kind: string,
/**
 * `failover` (towards the recovery region) or `failback` (back to the origin region).
 */
direction: string,
/**
 * Status.
 */
status: string,
/**
 * Started.
 */
startedAt: string,
/**
 * Ended.
 */
endedAt: string | null,
/**
 * Who.
 */
startedBy: string,
/**
 * A drill's cleanup status (`pending`, `awaitingConfirmation`, `verified`, `failed`, …).
 */
cleanup: string,
/**
 * Recovery time to the last server's launch, once every server launched (seconds).
 */
recoverySeconds: number | null,
/**
 * Recovery time to "application up": the wave steps done too (seconds).
 */
applicationUpSeconds: number | null,
/**
 * The plan's RTO target (seconds).
 */
targetSeconds: number | null, };

/**
 * A failback's cleanup, listed (and, once confirmed, done).
 */
export type FailbackCleanup = {
/**
 * Plan.
 */
plan: string,
/**
 * Failback source servers (origin region) whose replication is stopped.
 */
stopReplication: Array<CleanupLine>,
/**
 * Old recovery instances (recovery region) terminated.
 */
terminate: Array<CleanupLine>,
/**
 * Old recovery instances kept (DR instances, termination protection, or the user's
 * choice): disconnected from DRS, never terminated.
 */
keep: Array<CleanupLine>,
/**
 * It was done (not only listed).
 */
done: boolean,
/**
 * What happened, per line, when done.
 */
results: Array<string>, };

/**
 * The order a failback runs a plan's waves in.
 */
export type FailbackOrder = "plan" | "reverse";

/**
 * Failback readiness of a recovered plan.
 */
export type FailbackReadiness = {
/**
 * Plan.
 */
plan: string,
/**
 * When checked (RFC 3339).
 */
checkedAt: string,
/**
 * The recovery it comes back from.
 */
recoveryExecution: string,
/**
 * The reprotect that opened the way back, if any.
 */
reprotectExecution?: string,
/**
 * Nothing blocks the failback.
 */
ready: boolean,
/**
 * Blockers.
 */
blockers: number,
/**
 * Warnings.
 */
warnings: number,
/**
 * Per server.
 */
servers: Array<FailbackServer>,
/**
 * Findings with remediation.
 */
findings: Array<Finding>, };

/**
 * One server on its way back, as failback readiness sees it.
 */
export type FailbackServer = {
/**
 * Name.
 */
name: string,
/**
 * Target.
 */
target: string,
/**
 * Protection group.
 */
group: string,
/**
 * Wave.
 */
wave: string,
/**
 * The source server that protected it (recovery region).
 */
sourceServerId: string,
/**
 * The recovery instance it runs as in the recovery region.
 */
recoveryInstanceId?: string,
/**
 * Its EC2 instance.
 */
recoveryEc2InstanceId?: string,
/**
 * The failback source server (origin region) that replicates it back.
 */
failbackSourceServerId?: string,
/**
 * Its replication state.
 */
replicationState?: string,
/**
 * How far its initial sync is.
 */
syncPercent?: number,
/**
 * Its lag in seconds.
 */
lagSeconds?: number,
/**
 * The original instance in the origin region.
 */
originalInstanceId?: string,
/**
 * Its state (`stopped`, `running`, `terminated`, or `missing`).
 */
originalState?: string,
/**
 * Its private IP (the one it comes back with when launched into).
 */
originalPrivateIp?: string,
/**
 * What the failback does with it.
 */
originalUse: OriginalUse,
/**
 * Nothing blocks it.
 */
ready: boolean, };

/**
 * What happens to the rest of the plan when a server in a wave fails to launch.
 */
export type FailurePolicy = "stop" | "continue";

/**
 * One feature and the IAM actions it calls.
 */
export type FeaturePermissions = {
/**
 * Stable ID (`inventory`, `drills`, `native`, …).
 */
id: string,
/**
 * What the feature is, in words.
 */
feature: string,
/**
 * Where the actions are called (the recovery region, the origin region, global).
 */
scope: string,
/**
 * The IAM actions, `service:Action`.
 */
actions: Array<string>, };

/**
 * One field that differs.
 */
export type FieldChange = {
/**
 * `launchDisposition`, `copyPrivateIp`, …, `template.subnetId`, `template.instanceType`.
 */
field: string,
/**
 * What it holds now.
 */
before: string | null,
/**
 * What the group says.
 */
after: string | null, };

/**
 * One thing readiness found.
 */
export type Finding = {
/**
 * Blocker or warning.
 */
severity: FindingSeverity,
/**
 * Stable check ID (`replicationState`, `lag`, `pair.stopped`, `waveSize`, …).
 */
check: string,
/**
 * The wave, when the finding is about one.
 */
wave?: string,
/**
 * The protection group.
 */
group?: string,
/**
 * `s-…`.
 */
sourceServerId?: string,
/**
 * The server's name.
 */
serverName?: string,
/**
 * What is wrong.
 */
message: string,
/**
 * The value seen.
 */
evidence?: string,
/**
 * When it was seen (RFC 3339).
 */
observedAt: string,
/**
 * What to do.
 */
remediation?: string, };

/**
 * How bad a finding is.
 */
export type FindingSeverity = "blocker" | "warning";

/**
 * A time the engine did not run (a sleeping laptop, a stopped process, a crash before a
 * resume): shown as an event and not counted against wave timeouts.
 */
export type Gap = {
/**
 * The last tick before it.
 */
from: string,
/**
 * The first tick after it.
 */
to: string, };

/**
 * A server two or more groups select.
 */
export type GroupConflict = {
/**
 * Target.
 */
target: string,
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Its display name.
 */
name: string,
/**
 * The groups that select it, by name.
 */
groups: Array<string>, };

/**
 * One member of a group.
 */
export type GroupMember = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Display name.
 */
name: string,
/**
 * Replication state.
 */
replicationState: string | null, };

/**
 * Which servers a group selects now (one DescribeSourceServers, no launch settings read).
 */
export type GroupMembers = {
/**
 * The servers.
 */
members: Array<GroupMember>,
/**
 * Explicit IDs no longer in the inventory.
 */
missing: Array<string>,
/**
 * Servers another group selects too.
 */
conflicts: Array<GroupConflict>,
/**
 * Servers in the target.
 */
inventory: number, };

/**
 * A group against the live inventory and what DRS and EC2 hold.
 */
export type GroupPreview = {
/**
 * Group.
 */
group: string,
/**
 * Target.
 */
target: string,
/**
 * The servers it selects now.
 */
members: Array<GroupMember>,
/**
 * Explicit IDs no longer in the inventory.
 */
missing: Array<string>,
/**
 * Servers this group shares with another group.
 */
conflicts: Array<GroupConflict>,
/**
 * The settings against what exists in AWS.
 */
problems: Array<Problem>,
/**
 * Per member.
 */
servers: Array<ServerDiff>, };

/**
 * How a server's replication is.
 */
export type HealthLevel = "critical" | "warning" | "healthy";

/**
 * Servers by level and replication state, and the lag distribution, for the Dashboard.
 */
export type HealthSummary = {
/**
 * Servers in all.
 */
servers: number,
/**
 * Critical.
 */
critical: number,
/**
 * Warning.
 */
warning: number,
/**
 * Healthy.
 */
healthy: number,
/**
 * Servers by replication state.
 */
byState: { [key in string]: number },
/**
 * Lag buckets: ≤ 1 min, ≤ warning, ≤ critical, > critical, not reported.
 */
lagBuckets: Array<[string, number]>, };

/**
 * What an import wrote, and its warnings.
 */
export type ImportOutcome = {
/**
 * Groups and plans written.
 */
summary: ImportSummary,
/**
 * Warnings, with positions.
 */
warnings: Array<Problem>, };

/**
 * What an import wrote.
 */
export type ImportSummary = {
/**
 * Groups created or replaced.
 */
groups: Array<string>,
/**
 * Plans created or given a new revision, with that revision.
 */
plans: Array<[string, number]>, };

/**
 * An app plan made from a native plan, with its groups and what could not be carried over.
 */
export type Imported = {
/**
 * The plan.
 */
plan: RecoveryPlan,
/**
 * One group per SERVER step.
 */
groups: Array<ProtectionGroup>,
/**
 * What differs from the native plan.
 */
notes: Array<string>, };

/**
 * EC2 instance state.
 */
export type InstanceState = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped" | string;

/**
 * Everything read from the targets, and what could not be read.
 */
export type Inventory = {
/**
 * Source servers of every target that answered.
 */
sourceServers: Array<SourceServer>,
/**
 * Recovery-region EC2 instances of every target that answered.
 */
instances: Array<Ec2Instance>,
/**
 * Targets that failed, with the reason.
 */
failures: Array<TargetFailure>, };

/**
 * A server moved to its group's drill-only network for a drill: its launch template as it
 * was (the recovery settings), written down before the move and put back after its wave.
 */
export type Isolated = {
/**
 * Target.
 */
target: string,
/**
 * Wave.
 */
wave: string,
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * The launch template before the move.
 */
before: LaunchTemplate,
/**
 * The drill subnet it is moved to.
 */
drillSubnetId: string,
/**
 * AWS confirmed the drill network (a new default template version).
 */
applied: boolean,
/**
 * The recovery settings were put back (AWS confirmed).
 */
restored: boolean,
/**
 * Applying or restoring it, retried.
 */
retry?: Retry, };

/**
 * Where the startup check of the OS keychain is.
 */
export type KeychainState = "checking" | "ok" | "unavailable";

/**
 * A CloudWatch alarm on one source server's replication lag.
 */
export type LagAlarm = {
/**
 * Alarm name.
 */
name: string,
/**
 * Source server ID (the metric's `SourceServerID` dimension).
 */
sourceServerId: string,
/**
 * The server's name.
 */
server: string,
/**
 * Alarm when the lag is above this many seconds.
 */
thresholdSeconds: number, };

/**
 * A post-launch action as DRS holds it for one source server.
 */
export type LaunchAction = {
/**
 * DRS's action ID (a UUID).
 */
actionId: string,
/**
 * Name.
 */
name: string,
/**
 * The SSM document (`actionCode`).
 */
document: string,
/**
 * Order.
 */
order: number,
/**
 * `VALIDATION`, `MONITORING`, …
 */
category: string,
/**
 * Parameters.
 */
parameters: { [key in string]: string },
/**
 * Optional.
 */
optional: boolean,
/**
 * Active.
 */
active: boolean,
/**
 * Description (the app's actions say [`MANAGED`]).
 */
description: string, };

/**
 * An apply (or a rollback) of a group's launch settings, as recorded before and during it.
 */
export type LaunchApplication = {
/**
 * Record ID.
 */
id: number,
/**
 * Protection group.
 */
group: string,
/**
 * Target.
 */
target: string,
/**
 * `apply`, `remediate` or `rollback`.
 */
kind: string,
/**
 * When it started.
 */
startedAt: string,
/**
 * When it finished (absent: interrupted).
 */
finishedAt?: string,
/**
 * Who.
 */
actor: string,
/**
 * The rollback that undid it.
 */
rolledBackBy?: number,
/**
 * For a rollback: the apply it undoes.
 */
rollsBack?: number,
/**
 * Per server.
 */
servers: Array<ServerRecord>, };

/**
 * A source server's DRS launch configuration (`GetLaunchConfiguration`).
 */
export type LaunchConfiguration = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * The pre-provisioned instance DRS launches into, if set.
 */
launchIntoInstanceId?: string,
/**
 * Keep the source's private IP (must be off when launching into an instance).
 */
copyPrivateIp?: boolean,
/**
 * Copy the source's tags (must be off when launching into an instance).
 */
copyTags?: boolean,
/**
 * `NONE`, `BASIC` or `IN_AWS`.
 */
rightSizing?: string,
/**
 * `STOPPED` or `STARTED`.
 */
launchDisposition?: string,
/**
 * The EC2 launch template DRS launches new instances from.
 */
ec2LaunchTemplateId?: string,
/**
 * Bring your own OS licence (`licensing.osByol`).
 */
osByol?: boolean,
/**
 * `FAST` or `OPTIMAL`.
 */
recoveryMode?: string,
/**
 * DRS runs the server's post-launch actions.
 */
postLaunchEnabled?: boolean, };

/**
 * State of the recovered instance after launch.
 */
export type LaunchDisposition = "stopped" | "started";

/**
 * Where a recovery launches.
 */
export type LaunchMode = "newInstances" | "preProvisioned";

/**
 * Launch settings applied to every server of a group (unset = leave DRS as it is).
 */
export type LaunchSettings = {
/**
 * New instances or pre-provisioned DR instances.
 */
launchMode: LaunchMode,
/**
 * Subnet of the recovered instances.
 */
subnetId?: string,
/**
 * Security groups of the recovered instances.
 */
securityGroupIds?: Array<string>,
/**
 * EC2 instance type.
 */
instanceType?: string,
/**
 * Started or stopped after launch.
 */
launchDisposition?: LaunchDisposition,
/**
 * Keep the source server's private IP.
 */
copyPrivateIp?: boolean,
/**
 * Copy the source server's tags to the recovered instance.
 */
copyTags?: boolean,
/**
 * Instance right-sizing method.
 */
rightSizing?: RightSizing,
/**
 * Bring your own OS licence.
 */
osByol?: boolean,
/**
 * Fast or optimal recovery.
 */
recoveryMode?: RecoveryMode,
/**
 * Launch-into groups only: drills launch into the DR instances too (full fidelity); their
 * cleanup stops the instances and disconnects the recovery instances instead of
 * terminating them. Off by default: drills launch new instances.
 */
fullFidelityDrills?: boolean,
/**
 * Drill-only network: drills of this group launch into this isolated subnet and security
 * groups; the recovery settings are put back afterwards.
 */
drillNetwork?: DrillNetwork,
/**
 * Failback drills of this group (after a real recovery, in the origin region) launch into
 * this isolated subnet and security groups of the origin region; the failback source
 * servers' settings are put back afterwards.
 */
failbackDrillNetwork?: DrillNetwork,
/**
 * DRS post-launch actions every server of the group gets (SSM documents DRS runs on the
 * recovered instance); a recovery counts a server recovered once its required actions
 * succeeded.
 */
postLaunchActions?: Array<PostLaunchAction>, };

/**
 * The EC2 launch template a source server launches new instances from: the fields a
 * protection group sets, as its default version holds them.
 */
export type LaunchTemplate = {
/**
 * `lt-…`.
 */
id: string,
/**
 * The default version read.
 */
version: number,
/**
 * Instance type.
 */
instanceType?: string,
/**
 * Subnet of the primary network interface.
 */
subnetId?: string,
/**
 * Security groups of the primary network interface.
 */
securityGroupIds?: Array<string>,
/**
 * Static private IP of the primary network interface.
 */
privateIp?: string, };

/**
 * Where a plan is, with the executions of each phase since its last real recovery.
 */
export type Lifecycle = {
/**
 * Plan.
 */
plan: string,
/**
 * Phase.
 */
phase: Phase,
/**
 * What comes next, in words (with the command).
 */
next: string,
/**
 * The executions since (and including) the last real recovery, oldest first.
 */
steps: Array<LifecycleStep>,
/**
 * When the failback's leftovers were cleaned up (back to normal), if they were.
 */
cleanedUpAt?: string, };

/**
 * One execution of a plan's lifecycle.
 */
export type LifecycleStep = {
/**
 * What it was: `recovery`, `reprotect`, `failback drill`, `failback`, `protect again`,
 * `drill`.
 */
phase: string,
/**
 * Execution ID.
 */
execution: string,
/**
 * Its status.
 */
status: string,
/**
 * Started.
 */
startedAt: string,
/**
 * Ended.
 */
endedAt?: string, };

/**
 * A report made and kept in memory until the user saves it.
 */
export type MadeReport = {
/**
 * Pass to `report_save`.
 */
token: string,
/**
 * What it says.
 */
preview: ReportPreview, };

/**
 * Which name matched.
 */
export type MatchedBy = "nameTag" | "hostname" | "shortHostname" | "override";

/**
 * What a target's monitoring should be.
 */
export type Monitoring = {
/**
 * The target.
 */
target: string,
/**
 * SNS topic name.
 */
topic: string,
/**
 * Email addresses subscribed to it.
 */
emails: Array<string>,
/**
 * EventBridge rules.
 */
rules: Array<EventRule>,
/**
 * CloudWatch alarms, one per replicating source server.
 */
alarms: Array<LagAlarm>,
/**
 * Tags on every resource.
 */
tags: { [key in string]: string }, };

/**
 * One change bringing the account to the desired monitoring.
 */
export type MonitoringChange = { "kind": "createTopic",
/**
 * Topic name.
 */
name: string, } | { "kind": "subscribe",
/**
 * The address.
 */
email: string, } | { "kind": "unsubscribe",
/**
 * The address.
 */
email: string,
/**
 * Its subscription ARN.
 */
arn: string, } | { "kind": "putRule",
/**
 * The rule.
 */
rule: EventRule,
/**
 * Why (missing, pattern changed, not routed to the topic).
 */
why: string, } | { "kind": "deleteRule",
/**
 * Rule name.
 */
name: string, } | { "kind": "putAlarm",
/**
 * The alarm.
 */
alarm: LagAlarm,
/**
 * Why (missing, threshold changed, not routed to the topic).
 */
why: string, } | { "kind": "deleteAlarms",
/**
 * Alarm names.
 */
names: Array<string>, } | { "kind": "deleteTopic",
/**
 * Topic ARN.
 */
arn: string, };

/**
 * What a deploy or a removal did.
 */
export type MonitoringOutcome = {
/**
 * The changes made, in words.
 */
done: Array<string>,
/**
 * The change that failed and why (the ones after it were not made).
 */
failed?: string,
/**
 * The monitoring read back afterwards.
 */
after: MonitoringStatus, };

/**
 * A target's monitoring: what it should be, what the account holds, and the changes between.
 */
export type MonitoringStatus = {
/**
 * What it should be.
 */
desired: Monitoring,
/**
 * What the account holds.
 */
observed: Observed,
/**
 * The changes that bring the account to it (empty: deployed and in place).
 */
changes: Array<MonitoringChange>,
/**
 * The same in words.
 */
words: Array<string>, };

/**
 * Something the app does that a native plan cannot express, and what the native run does
 * instead.
 */
export type NativeGap = {
/**
 * The wave it is about, if one.
 */
wave?: string,
/**
 * The item: `approval`, `step "warm cache"`, `parallel waves`, `drill network`, …
 */
item: string,
/**
 * What an app-driven run does.
 */
app: string,
/**
 * What the native run does instead.
 */
native: string,
/**
 * The app refuses to start a native drill while this holds (it would break a rule the
 * app keeps: a drill never launches into a DR instance).
 */
blocksDrill: boolean, };

/**
 * A native recovery plan as DRS holds it.
 */
export type NativePlan = {
/**
 * ARN.
 */
arn: string,
/**
 * Name.
 */
name: string,
/**
 * Description.
 */
description: string,
/**
 * `ACTIVE` or `INVALID`.
 */
status: string,
/**
 * Created (ISO 8601).
 */
createdAt: string,
/**
 * Last changed (ISO 8601).
 */
updatedAt: string,
/**
 * Its tags.
 */
tags: { [key in string]: string },
/**
 * Its steps in order (empty in a listing).
 */
steps: Array<NativeStep>, };

/**
 * A plan as DRS would hold it, next to DRS's current copy.
 */
export type NativePreview = {
/**
 * What publishing would write.
 */
publication: Publication,
/**
 * DRS's copy against it.
 */
drift: Drift,
/**
 * DRS's copy, when there is one.
 */
native?: NativePlan,
/**
 * What an app-driven run adds to a native one.
 */
appAdds: Array<string>, };

/**
 * The native run an execution mirrors.
 */
export type NativeRef = {
/**
 * The target it runs in.
 */
target: string,
/**
 * The native plan's ARN.
 */
planArn: string,
/**
 * The native execution's ARN.
 */
executionArn: string,
/**
 * Started from the app (else in the console or another tool).
 */
startedByApp: boolean,
/**
 * DRS's run has ended; a drill is then the app's to clean up (its own jobs' instances).
 */
drsDone: boolean, };

/**
 * A source server in a SERVER step.
 */
export type NativeServer = {
/**
 * Source server ARN (what DRS's step lists).
 */
arn: string,
/**
 * Source server ID.
 */
sourceServerId: string,
/**
 * Its name, when known.
 */
name: string,
/**
 * `CRITICAL` (its failure fails the step) rather than `OPTIONAL`.
 */
critical: boolean, };

/**
 * One step of a native plan.
 */
export type NativeStep = {
/**
 * Step name (DRS: letters, digits, spaces, `_` and `-`).
 */
name: string,
/**
 * The app wave it comes from (none when read from DRS).
 */
wave?: string,
/**
 * What it does.
 */
config: NativeStepConfig,
/**
 * Its ARN, when read from DRS.
 */
arn?: string, };

/**
 * What a native step does.
 */
export type NativeStepConfig = { "kind": "servers",
/**
 * The servers.
 */
servers: Array<NativeServer>, } | { "kind": "wait",
/**
 * Minutes (1–120).
 */
minutes: number, };

/**
 * What a target's account holds of the app's monitoring.
 */
export type Observed = {
/**
 * The topic's ARN, when it exists.
 */
topicArn?: string,
/**
 * The topic's tags.
 */
topicTags: { [key in string]: string },
/**
 * Email subscriptions: address and subscription ARN (`PendingConfirmation` until the
 * person confirms).
 */
subscriptions: Array<[string, string]>,
/**
 * The app's rules (by name prefix), with their pattern and target ARNs.
 */
rules: Array<ObservedRule>,
/**
 * The app's alarms (by name prefix).
 */
alarms: Array<ObservedAlarm>, };

/**
 * An alarm as CloudWatch holds it.
 */
export type ObservedAlarm = {
/**
 * Name.
 */
name: string,
/**
 * The `SourceServerID` dimension.
 */
sourceServerId: string,
/**
 * Threshold (seconds).
 */
thresholdSeconds: number,
/**
 * Alarm action ARNs.
 */
actions: Array<string>, };

/**
 * A rule as EventBridge holds it.
 */
export type ObservedRule = {
/**
 * Name.
 */
name: string,
/**
 * Event pattern (JSON text).
 */
pattern: string,
/**
 * Its targets' ARNs.
 */
targets: Array<string>, };

/**
 * What to do with an original instance that is running or not tagged `AWSDRS`.
 */
export type OriginalChoice = "require" | "prepare" | "newInstance";

/**
 * What a failback does with a server's original instance in the origin region.
 */
export type OriginalUse = "launchInto" | "prepareThenLaunchInto" | "newInstance";

/**
 * An unfinished execution no live process drives.
 */
export type Orphan = {
/**
 * Its lease: nobody, or a driver that stopped renewing it.
 */
driver: Driver,
/**
 * ID.
 */
id: string,
/**
 * Plan.
 */
plan: string,
/**
 * `drill`, `recovery` or `reprotect`.
 */
kind: string,
/**
 * `failover` (towards the recovery region) or `failback` (back to the origin region).
 */
direction: string,
/**
 * Status.
 */
status: string,
/**
 * Started.
 */
startedAt: string,
/**
 * Ended.
 */
endedAt: string | null,
/**
 * Who.
 */
startedBy: string,
/**
 * A drill's cleanup status (`pending`, `awaitingConfirmation`, `verified`, `failed`, …).
 */
cleanup: string,
/**
 * Recovery time to the last server's launch, once every server launched (seconds).
 */
recoverySeconds: number | null,
/**
 * Recovery time to "application up": the wave steps done too (seconds).
 */
applicationUpSeconds: number | null,
/**
 * The plan's RTO target (seconds).
 */
targetSeconds: number | null, };

/**
 * A source server and the DR instance it recovers into (or why there is none).
 */
export type Pair = {
/**
 * Status.
 */
status: PairStatus,
/**
 * The protection group of the server (none for an orphan instance).
 */
group?: string,
/**
 * Target (account + regions).
 */
target: string,
/**
 * `s-…`.
 */
sourceServerId?: string,
/**
 * The server's name (Name tag or hostname).
 */
serverName?: string,
/**
 * `i-…`.
 */
instanceId?: string,
/**
 * The instance's Name tag.
 */
instanceName?: string,
/**
 * Which name matched.
 */
matchedBy?: MatchedBy,
/**
 * For ambiguous pairs: the competing instances or servers, as `id (name)`.
 */
candidates?: Array<string>,
/**
 * Why the pair is as it is, in words.
 */
note: string,
/**
 * Prerequisites (filled by [`check_pairs`]).
 */
checks?: Array<PairCheck>, };

/**
 * One recorded apply of pairs to launch configurations.
 */
export type PairApplication = {
/**
 * Its ID.
 */
id: number,
/**
 * The plan whose pairs were applied.
 */
plan: string,
/**
 * The target written to.
 */
target: string,
/**
 * When.
 */
appliedAt: string,
/**
 * Who.
 */
appliedBy: string,
/**
 * Each launch configuration before and after.
 */
changes: Array<PairChange>,
/**
 * When it was undone, if it was.
 */
undoneAt: string | null, };

/**
 * One launch configuration to change: what it holds now and what it will hold.
 */
export type PairChange = {
/**
 * Protection group.
 */
group: string,
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Server name.
 */
serverName: string,
/**
 * The DR instance.
 */
instanceId: string,
/**
 * The launch configuration now.
 */
before: LaunchConfiguration,
/**
 * The launch configuration after the change.
 */
after: LaunchConfiguration, };

/**
 * One prerequisite of a pair: whether it holds, what was seen, and how to fix it.
 */
export type PairCheck = {
/**
 * Stable ID (`awsdrsTag`, `stopped`, `architecture`, …).
 */
check: string,
/**
 * Holds.
 */
ok: boolean,
/**
 * What was seen.
 */
message: string,
/**
 * What to do when it does not hold.
 */
remediation?: string,
/**
 * Pairing sets this itself when applied (launch-configuration fields).
 */
fixedByApply: boolean, };

/**
 * How a pair came about, or why there is none.
 */
export type PairStatus = "matched" | "override" | "unmatched" | "ambiguous" | "orphan";

/**
 * What an apply or undo did, per target.
 */
export type PairsOutcome = {
/**
 * Per target.
 */
targets: { [key in string]: ApplyOutcome }, };

/**
 * The pairs of a plan and what applying them would change, per target.
 */
export type PairsPreview = {
/**
 * The verdict (its `pairs` are the plan's pairs).
 */
readiness: Readiness,
/**
 * Per target: the launch-configuration changes, already-set pairs and skipped pairs.
 */
apply: { [key in string]: ApplyPlan },
/**
 * Applies that can be undone, newest first.
 */
undoable: Array<PairApplication>, };

/**
 * Where a plan is between a disaster and normal again.
 */
export type Phase = "protected" | "recovering" | "recovered" | "reprotecting" | "readyToFailBack" | "failingBack" | "failedBack" | "protectingAgain" | "protectedAgain";

/**
 * A step of a wave's runbook, run before its servers launch or after they have. Fields that
 * belong to another kind are refused when the plan is saved.
 */
export type PlanStep = {
/**
 * Unique within the wave.
 */
name: string,
/**
 * What it is.
 */
kind: StepKind,
/**
 * What the person is asked to do (manual steps).
 */
instruction?: string,
/**
 * The SSM document (SSM command and automation steps), e.g. `AWS-RunShellScript`.
 */
document?: string,
/**
 * The document's parameters, each a list of values as SSM takes them.
 */
parameters?: { [key in string]: Array<string> },
/**
 * Servers (by name) the step is about: where an SSM command or a network check runs, whose
 * instances a status check reads, whose recovered private IP a Route 53 record gets. None:
 * the wave's recovered instances (Route 53: the wave's only server).
 */
servers?: Array<string>,
/**
 * Route 53: the hosted zone written in a recovery.
 */
zoneId?: string,
/**
 * Route 53: the hosted zone written in a drill (a zone of the same name seen only from the
 * drill network). A drill never writes `zoneId`.
 */
drillZoneId?: string,
/**
 * Route 53: the record name, e.g. `cache.retail.internal`.
 */
record?: string,
/**
 * Route 53: the record type (A, AAAA, CNAME or TXT); A when absent.
 */
recordType?: string,
/**
 * Route 53: the record's TTL in seconds; 60 when absent.
 */
ttl?: number,
/**
 * Route 53: the value written; absent: the recovered private IP of the server.
 */
value?: string,
/**
 * Check: what is checked.
 */
check?: CheckKind,
/**
 * TCP check: the host tried (a name or an address); absent: the instance itself.
 */
host?: string,
/**
 * TCP check: the port tried.
 */
port?: number,
/**
 * HTTP check: the URL fetched.
 */
url?: string,
/**
 * Wait step: how many minutes it pauses (1 to a week).
 */
minutes?: number,
/**
 * Minutes the step may take (a manual step: wait for its confirmation; a check: keep
 * trying). None: no limit for a manual step, 30 minutes for the others.
 */
timeoutMinutes?: number,
/**
 * What its failure does: `stop`, `continue` or `ask`.
 */
onFailure: StepFailure,
/**
 * Run in drills too (`false`: recoveries only). A Route 53 step runs in drills only into
 * its drill zone.
 */
inDrills?: boolean, };

/**
 * One line of the plan list.
 */
export type PlanSummary = {
/**
 * Plan name.
 */
name: string,
/**
 * Plan description.
 */
description: string,
/**
 * Number of waves.
 */
waves: number,
/**
 * Number of protection groups across the waves.
 */
groups: number,
/**
 * RTO target in minutes.
 */
rtoTargetMinutes: number | null,
/**
 * Current revision.
 */
revision: number,
/**
 * When it was last saved.
 */
updatedAt: string,
/**
 * Who last saved it.
 */
updatedBy: string, };

/**
 * A post-launch action a group declares for its servers.
 */
export type PostLaunchAction = {
/**
 * Unique within the group.
 */
name: string,
/**
 * The SSM document DRS runs (e.g. `AWS-RunShellScript` or the account's own).
 */
document: string,
/**
 * Its parameters (values as DRS passes them to the document).
 */
parameters?: { [key in string]: string },
/**
 * When it runs among the server's actions (2–10000); by default in the group's order.
 */
order?: number,
/**
 * What it is for.
 */
category: ActionCategory,
/**
 * A failure does not count against the server (it is still recovered).
 */
optional?: boolean, };

/**
 * One finding of a validation.
 */
export type Problem = {
/**
 * Error or warning.
 */
severity: Severity,
/**
 * Field path in the document's own names, e.g. `waves[1].groups[0]`; empty for the whole object.
 */
path: string,
/**
 * What is wrong, in words a coordinator understands.
 */
message: string,
/**
 * 1-based line in the source document, when known.
 */
line?: number,
/**
 * 1-based column in the source document, when known.
 */
column?: number, };

/**
 * One profile, as the target form shows it.
 */
export type ProfileInfo = {
/**
 * Profile name.
 */
name: string,
/**
 * The profile (or a profile it sources from) signs in through IAM Identity Center.
 */
sso: boolean,
/**
 * The role the profile assumes, if it is a role profile.
 */
roleArn?: string,
/**
 * The profile's default region.
 */
region?: string, };

/**
 * Progress of a long operation: servers done of servers in all.
 */
export type Progress = {
/**
 * Done.
 */
done: number,
/**
 * In all.
 */
total: number, };

/**
 * A named set of source servers in one target.
 */
export type ProtectionGroup = {
/**
 * Unique name.
 */
name: string,
/**
 * Free text.
 */
description?: string,
/**
 * Name of the target (account + regions) the servers live in.
 */
target: string,
/**
 * Which servers belong.
 */
selector: Selector,
/**
 * Group-level launch settings.
 */
launch: LaunchSettings,
/**
 * Per-server overrides.
 */
overrides?: Array<ServerOverride>, };

/**
 * A plan as DRS's native recovery plan would hold it.
 */
export type Publication = {
/**
 * App plan name.
 */
plan: string,
/**
 * Its revision.
 */
revision: number,
/**
 * Target (account and region) the native plan lives in.
 */
target: string,
/**
 * The native plan's name (the plan's name with what DRS refuses replaced by `-`).
 */
nativeName: string,
/**
 * Its description.
 */
description: string,
/**
 * Its steps, in order.
 */
steps: Array<NativeStep>,
/**
 * What the native plan cannot express.
 */
gaps: Array<NativeGap>,
/**
 * Why it cannot be published (empty: it can).
 */
problems: Array<string>,
/**
 * Digest of the steps (tagged on the native plan).
 */
digest: string, };

/**
 * What [`publish`] did.
 */
export type PublishOutcome = {
/**
 * The native plan's ARN.
 */
arn: string,
/**
 * The native plan was created (not updated).
 */
created: boolean,
/**
 * Steps added.
 */
stepsCreated: number,
/**
 * Steps rewritten.
 */
stepsUpdated: number,
/**
 * Steps removed.
 */
stepsDeleted: number,
/**
 * DRS API calls made (reads included).
 */
apiCalls: number,
/**
 * DRS's copy against the plan before.
 */
before: Drift,
/**
 * DRS's copy against the plan afterwards (read back).
 */
after: Drift, };

/**
 * The verdict for a plan.
 */
export type Readiness = {
/**
 * Plan name.
 */
plan: string,
/**
 * When the evidence was read.
 */
checkedAt: string,
/**
 * No blocker.
 */
ready: boolean,
/**
 * Blocker count.
 */
blockers: number,
/**
 * Warning count.
 */
warnings: number,
/**
 * Source servers the plan recovers.
 */
servers: number,
/**
 * Findings, blockers first, then by wave, group and server.
 */
findings: Array<Finding>,
/**
 * How each wave will run.
 */
waves: Array<WavePlan>,
/**
 * The pairs of the plan's launch-into groups.
 */
pairs: Array<Pair>,
/**
 * Every server of the plan in wave → group order, with its own verdict.
 */
byServer: Array<ServerReadiness>, };

/**
 * The latest readiness of a plan, in short.
 */
export type ReadinessSummary = {
/**
 * Plan name.
 */
plan: string,
/**
 * When the evidence was read.
 */
checkedAt: string,
/**
 * No blocker.
 */
ready: boolean,
/**
 * Blockers.
 */
blockers: number,
/**
 * Warnings.
 */
warnings: number,
/**
 * Servers the plan recovers.
 */
servers: number, };

/**
 * DRS recovery mode.
 */
export type RecoveryMode = "fast" | "optimal";

/**
 * A recovery plan.
 */
export type RecoveryPlan = {
/**
 * Unique name.
 */
name: string,
/**
 * Free text.
 */
description?: string,
/**
 * Recovery time objective for the whole plan, in minutes.
 */
rtoTargetMinutes?: number,
/**
 * The waves, in display order.
 */
waves: Array<Wave>,
/**
 * The order a failback runs the waves in (the plan's order when not set).
 */
failbackOrder?: FailbackOrder, };

/**
 * A replication error DRS reports for a server.
 */
export type ReplicationError = {
/**
 * The error code, e.g. `AGENT_NOT_SEEN`.
 */
error: string,
/**
 * DRS's raw message, when given.
 */
rawError?: string, };

/**
 * DRS `dataReplicationInfo.dataReplicationState`.
 */
export type ReplicationState = "STOPPED" | "INITIATING" | "INITIAL_SYNC" | "BACKLOG" | "CREATING_SNAPSHOT" | "CONTINUOUS" | "PAUSED" | "RESCAN" | "STALLED" | "DISCONNECTED" | string;

/**
 * How often the schedule writes reports.
 */
export type ReportCadence = "daily" | "weekly";

/**
 * Where a report schedule delivers its reports.
 */
export type ReportDelivery = {
/**
 * The target whose AWS account delivers (its credentials, recovery region, endpoints).
 */
target: string,
/**
 * Into an S3 bucket.
 */
s3?: S3Delivery,
/**
 * By e-mail through SES.
 */
email?: EmailDelivery, };

/**
 * PDF for people, CSV (the server table) for spreadsheets.
 */
export type ReportFormat = "pdf" | "csv";

/**
 * One plan's line in a readiness preview.
 */
export type ReportPlanLine = {
/**
 * Plan.
 */
plan: string,
/**
 * No blocker.
 */
ready: boolean,
/**
 * Servers.
 */
servers: number,
/**
 * Servers with a blocker.
 */
blockedServers: number,
/**
 * Servers with warnings only.
 */
warningServers: number,
/**
 * Blocker findings.
 */
blockers: number,
/**
 * Warning findings.
 */
warnings: number,
/**
 * The first blockers, as "server: message".
 */
topBlockers: Array<string>,
/**
 * The last drill's execution ID.
 */
lastDrill: string | null,
/**
 * Its measured RTO (seconds).
 */
lastDrillRtoSeconds: number | null,
/**
 * The plan's RTO target (seconds).
 */
rtoTargetSeconds: number | null, };

/**
 * What the window shows before saving.
 */
export type ReportPreview = {
/**
 * Document title.
 */
title: string,
/**
 * Suggested file name.
 */
fileName: string,
/**
 * PDF or CSV.
 */
format: ReportFormat,
/**
 * Size in bytes.
 */
bytes: number,
/**
 * What it says.
 */
summary: ReportSummary, };

/**
 * Readiness reports written into a folder while the app runs.
 */
export type ReportSchedule = {
/**
 * On or off.
 */
enabled: boolean,
/**
 * Where the reports go.
 */
folder: string,
/**
 * Daily or weekly.
 */
cadence: ReportCadence,
/**
 * Weekly: 1 = Monday … 7 = Sunday.
 */
weekday: number,
/**
 * Hour of the day (UTC), 0–23.
 */
hour: number,
/**
 * The plans, one report each; empty for every plan.
 */
plans: Array<string>,
/**
 * PDF or CSV.
 */
format: ReportFormat,
/**
 * When it was last saved (reports are due from then on, not for slots before it).
 */
savedAt: string | null,
/**
 * Where the reports are delivered besides the folder (S3, e-mail), if anywhere.
 */
delivery?: ReportDelivery, };

/**
 * What a report says, for the window's preview before saving.
 */
export type ReportSummary = { "kind": "readiness",
/**
 * One line per plan.
 */
plans: Array<ReportPlanLine>,
/**
 * When the evidence was read.
 */
checkedAt: string,
/**
 * Identities the evidence was read with.
 */
identity: Array<string>, } | { "kind": "drill",
/**
 * Execution ID.
 */
execution: string,
/**
 * Plan.
 */
plan: string,
/**
 * Drill or recovery.
 */
executionKind: ExecutionKind,
/**
 * Its status.
 */
status: string,
/**
 * Still running.
 */
inProgress: boolean,
/**
 * Measured RTO (seconds), when every server launched.
 */
measuredSeconds: number | null,
/**
 * The plan's target (seconds).
 */
targetSeconds: number | null,
/**
 * Servers launched.
 */
launched: number,
/**
 * Servers failed.
 */
failed: number,
/**
 * Servers in all.
 */
total: number,
/**
 * Cleanup status.
 */
cleanup: string, } | { "kind": "failback",
/**
 * Plan.
 */
plan: string,
/**
 * Where the plan is.
 */
phase: Phase,
/**
 * Executions of its lifecycle.
 */
executions: number, };

/**
 * What a request did.
 */
export type RequestOutcome = {
/**
 * Who drives the execution now (and so acts on the request).
 */
driver: Driver,
/**
 * This process started driving it to act on the request (a confirmed cleanup of a drill
 * nobody drove).
 */
drivenHere: boolean, };

/**
 * A step that failed and will be tried again.
 */
export type Retry = {
/**
 * Failed attempts in a row.
 */
attempts: number,
/**
 * Not before this time (the execution's clock, RFC 3339).
 */
nextAt?: string,
/**
 * What the last attempt got.
 */
lastError?: string, };

/**
 * A server's reversed replication in a reprotect.
 */
export type Reversal = {
/**
 * The recovery instance whose replication is reversed (in the region the reprotect acts
 * in).
 */
recoveryInstanceId: string,
/**
 * Its EC2 instance (how the source server of the other direction is recognised).
 */
ec2InstanceId: string,
/**
 * `ReverseReplication` was written down (and maybe sent).
 */
sent: boolean,
/**
 * Its last answer was lost: look for the source server before sending again.
 */
uncertain: boolean,
/**
 * The source server that replicates it the other way, once found.
 */
sourceServerId?: string,
/**
 * Its replication state as last read (`INITIAL_SYNC`, `CONTINUOUS`, …).
 */
state?: string,
/**
 * How far the initial sync is (0–100).
 */
syncPercent?: number,
/**
 * Its lag, in seconds, once replicating continuously.
 */
lagSeconds?: number,
/**
 * When it was last read (RFC 3339).
 */
readAt?: string, };

/**
 * One revision of a plan.
 */
export type RevisionInfo = {
/**
 * Revision number.
 */
revision: number,
/**
 * When it was saved.
 */
createdAt: string,
/**
 * Who saved it.
 */
author: string,
/**
 * What the save was ("created", "restored revision 2", …).
 */
message: string, };

/**
 * DRS instance right-sizing.
 */
export type RightSizing = "none" | "basic" | "inAws";

/**
 * Whose credentials assume a role: a named profile, or another target.
 */
export type RoleBase = "profile" | "target";

/**
 * An execution's recovery time, measured from its own journal.
 */
export type RtoMeasure = {
/**
 * From the start of the execution to the last server launched (as DRS and EC2 report it),
 * when every server that was to launch has launched; `None` while it runs or when servers
 * failed or were not run.
 */
measuredSeconds: number | null,
/**
 * From the start to "application up": the last server launched *and* every wave's
 * after-steps done (the same as `measured_seconds` for a plan without steps); `None`
 * unless every server launched and no step failed.
 */
applicationUpSeconds: number | null,
/**
 * The plan's RTO target, in seconds.
 */
targetSeconds: number | null,
/**
 * Measured within the target (`None` when either is unknown).
 */
withinTarget: boolean | null,
/**
 * Per wave.
 */
waves: Array<WaveRto>, };

/**
 * Into an S3 bucket.
 */
export type S3Delivery = {
/**
 * The bucket's name.
 */
bucket: string,
/**
 * Key prefix (e.g. `drs/readiness/`); the file name follows it.
 */
prefix: string,
/**
 * Server-side encryption.
 */
encryption: Encryption,
/**
 * With KMS: the key (ID, ARN or alias); none for the account's `aws/s3` key.
 */
kmsKeyId?: string, };

/**
 * Add a new target, or edit an existing one (the name identifies it).
 */
export type SaveMode = "add" | "edit";

/**
 * How a plan is saved.
 */
export type SavePlan = {
/**
 * The name the plan had when it was loaded (`None` for a new plan). Differs from the
 * plan's name on a rename.
 */
originalName: string | null,
/**
 * The revision the edit started from; the save fails if the plan moved on meanwhile
 * (someone saved from the CLI or another window).
 */
expectedRevision: number | null,
/**
 * A short note stored with the revision.
 */
message: string, };

/**
 * The schedule's last run.
 */
export type ScheduleRun = {
/**
 * When it ran (RFC 3339).
 */
at: string,
/**
 * The files written.
 */
files: Array<string>,
/**
 * What went wrong, if anything (per plan).
 */
errors: Array<string>,
/**
 * Each report's delivery through each channel (S3, e-mail), as it stood after the run.
 */
deliveries: Array<DeliveryRecord>, };

/**
 * The report schedule, its last run and its next.
 */
export type ScheduleState = {
/**
 * The schedule, if one was ever saved.
 */
schedule: ReportSchedule | null,
/**
 * Its last run.
 */
lastRun: ScheduleRun | null,
/**
 * When it runs next (RFC 3339), when enabled.
 */
nextRun: string | null,
/**
 * Deliveries that failed and wait for their retry.
 */
pendingDeliveries: Array<DeliveryRecord>, };

/**
 * Secrets entered with a target. `None` keeps what is stored (when it still applies).
 */
export type SecretInput = {
/**
 * Secret access key, for an access-key target.
 */
secretAccessKey?: string,
/**
 * Session token, for temporary access keys.
 */
sessionToken?: string,
/**
 * External ID the role's trust policy requires.
 */
externalId?: string, };

/**
 * How the group chooses its source servers. In YAML and JSON it is a mapping with exactly one
 * of `tags` or `sourceServerIds`.
 */
export type Selector = { tags?: { [key in string]: string }, sourceServerIds?: Array<string>, };

/**
 * Where one server of an apply is.
 */
export type ServerApplyStatus = "pending" | "applied" | "failed";

/**
 * A server's difference from its group's settings.
 */
export type ServerDiff = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Display name.
 */
name: string,
/**
 * The fields that differ (empty: in line).
 */
changes: Array<FieldChange>,
/**
 * Its configuration or template could not be read.
 */
error?: string, };

/**
 * One server's replication health.
 */
export type ServerHealth = {
/**
 * Target.
 */
target: string,
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Display name.
 */
name: string,
/**
 * Replication state.
 */
replicationState: string | null,
/**
 * Lag in seconds.
 */
lagSeconds: number | null,
/**
 * Seconds since DRS last heard from the agent.
 */
agentSilenceSeconds: number | null,
/**
 * The agent is disconnected (state DISCONNECTED, or silent beyond the threshold).
 */
agentDisconnected: boolean,
/**
 * The verdict.
 */
level: HealthLevel,
/**
 * Why, in words.
 */
reasons: Array<string>, };

/**
 * Per-server exceptions to the group's launch settings.
 */
export type ServerOverride = {
/**
 * The source server (`s-…`).
 */
sourceServerId: string,
/**
 * Static private IPv4 address for the recovered instance.
 */
privateIp?: string,
/**
 * Instance type for this server.
 */
instanceType?: string,
/**
 * Subnet for this server.
 */
subnetId?: string, };

/**
 * One server of a plan as the readiness check saw it.
 */
export type ServerReadiness = {
/**
 * Wave.
 */
wave: string,
/**
 * Protection group.
 */
group: string,
/**
 * Target it is read from.
 */
target: string,
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Display name (Name tag, else hostname, else the ID).
 */
name: string,
/**
 * Replication state as DRS reports it.
 */
replicationState?: string,
/**
 * Replication lag in seconds.
 */
lagSeconds?: number,
/**
 * When DRS last heard from the agent.
 */
lastSeen?: string,
/**
 * Its group launches into pre-provisioned DR instances.
 */
launchInto: boolean,
/**
 * The DR instance it launches into, when its group launches into pre-provisioned instances.
 */
drInstance?: string,
/**
 * Its verdict.
 */
verdict: ServerVerdict,
/**
 * Blocker count.
 */
blockers: number,
/**
 * Warning count.
 */
warnings: number, };

/**
 * One server of an apply: what it held before, what changes, and what happened.
 */
export type ServerRecord = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Display name.
 */
name: string,
/**
 * The launch configuration before.
 */
before: LaunchConfiguration,
/**
 * The launch template (default version) before, when the apply changes it.
 */
beforeTemplate?: LaunchTemplate,
/**
 * The changes.
 */
changes: Array<FieldChange>,
/**
 * What happened.
 */
status: ServerApplyStatus,
/**
 * Why it failed.
 */
error?: string,
/**
 * The configuration was written.
 */
configurationWritten: boolean,
/**
 * The new default template version, when the template was written.
 */
templateVersion?: number,
/**
 * Its post-launch actions before, when the apply changes them.
 */
beforeActions?: Array<LaunchAction>,
/**
 * Post-launch actions were written.
 */
actionsWritten?: boolean, };

/**
 * A server in an execution.
 */
export type ServerRun = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Name.
 */
name: string,
/**
 * Protection group.
 */
group: string,
/**
 * Target.
 */
target: string,
/**
 * Status.
 */
status: ServerStatus,
/**
 * Its launch configuration was read and handled: for a drill, any launch-into suspended
 * (AWS confirmed) or, in a full-fidelity group, the DR instance it launches into noted; for
 * a recovery into a DR instance, the instance and private IP it must keep noted.
 */
checked: boolean,
/**
 * The batch it launched in.
 */
batch?: string,
/**
 * The recovery instance.
 */
recoveryInstanceId?: string,
/**
 * The EC2 instance launched (or launched into).
 */
ec2InstanceId?: string,
/**
 * Why it failed.
 */
failure?: string,
/**
 * When its job was created (DRS's time).
 */
startedAt?: string,
/**
 * When it launched (the EC2 instance's launch time) or failed (the job log's time).
 */
endedAt?: string,
/**
 * Timeline.
 */
steps?: Array<Step>,
/**
 * A launch-into launch: the DR instance it must come up as.
 */
expectedInstanceId?: string,
/**
 * A launch-into launch: the private IP it must keep.
 */
expectedPrivateIp?: string,
/**
 * Reading or preparing its launch settings, retried.
 */
retry?: Retry,
/**
 * Its group's post-launch actions and how they ran: a launched server counts as recovered
 * once its required actions succeeded.
 */
actions?: Array<ActionRun>,
/**
 * A reprotect: its reversed replication.
 */
reversal?: Reversal,
/**
 * A failback: the way back before its launch.
 */
drain?: Drain,
/**
 * A failback: the source server (recovery region) it replicated from before, by which
 * the lifecycle follows one server there and back.
 */
originalSourceServerId?: string, };

/**
 * Where a server is.
 */
export type ServerStatus = "pending" | "preparing" | "queued" | "launching" | "launched" | "failed" | "notRun";

/**
 * What syncing one source server would do.
 */
export type ServerTagSync = {
/**
 * `s-…`.
 */
sourceServerId: string,
/**
 * Its ARN (what TagResource takes).
 */
arn: string,
/**
 * Display name.
 */
name: string,
/**
 * The origin instance.
 */
originInstanceId: string,
/**
 * Tags to add.
 */
add: { [key in string]: string },
/**
 * Tags whose value changes.
 */
change: Array<TagValueChange>,
/**
 * Keys not copied, with why.
 */
skipped: Array<string>, };

/**
 * One server's verdict: the worst of its findings.
 */
export type ServerVerdict = "blocked" | "warning" | "ready";

/**
 * An endpoint per AWS service the app calls (a VPC interface endpoint answers one service).
 */
export type ServiceEndpoints = {
/**
 * Elastic Disaster Recovery.
 */
drs?: string,
/**
 * EC2 (instances, launch templates).
 */
ec2?: string,
/**
 * STS (who the app acts as, assuming roles).
 */
sts?: string,
/**
 * Systems Manager (wave steps: commands, automations, checks).
 */
ssm?: string,
/**
 * Route 53 (wave steps: record changes).
 */
route53?: string,
/**
 * SNS (the monitoring's alert topic).
 */
sns?: string,
/**
 * EventBridge (the monitoring's DRS event rules).
 */
events?: string,
/**
 * CloudWatch (the monitoring's lag alarms).
 */
cloudwatch?: string,
/**
 * S3 (report delivery into a bucket).
 */
s3?: string,
/**
 * SES (report delivery by e-mail).
 */
ses?: string, };

/**
 * How bad a problem is.
 */
export type Severity = "error" | "warning";

/**
 * A pair that is not written, and why.
 */
export type Skipped = {
/**
 * `s-…` (or the instance, for an orphan).
 */
subject: string,
/**
 * Server or instance name.
 */
name: string,
/**
 * Why.
 */
reason: string, };

/**
 * A DRS source server, with what readiness and monitoring need.
 */
export type SourceServer = {
/**
 * `s-…`.
 */
id: string,
/**
 * ARN.
 */
arn: string,
/**
 * Target (account + regions) it was read from.
 */
target: string,
/**
 * The `Name` tag, when present.
 */
name: string | null,
/**
 * Hostname from `sourceProperties.identificationHints`.
 */
hostname: string | null,
/**
 * Replication state.
 */
replicationState: ReplicationState | null,
/**
 * Replication lag as DRS reports it (ISO-8601, e.g. `PT2S`).
 */
lag: string | null,
/**
 * The lag in seconds, when it parses.
 */
lagSeconds: number | null,
/**
 * When DRS last heard from the agent (RFC 3339).
 */
lastSeen: string | null,
/**
 * Replication error, if any.
 */
replicationError: ReplicationError | null,
/**
 * The origin EC2 instance (servers that run in AWS).
 */
originInstanceId: string | null,
/**
 * Origin account.
 */
originAccountId: string | null,
/**
 * Origin region.
 */
originRegion: string | null,
/**
 * DRS's recommended instance type.
 */
recommendedInstanceType: string | null,
/**
 * Operating system string.
 */
os: string | null,
/**
 * CPU architecture (`x86_64`, `arm64`) as far as the CPU model tells.
 */
architecture?: string,
/**
 * `FAILOVER` or `FAILBACK`.
 */
replicationDirection: string | null,
/**
 * The source server of the opposite replication direction (after a reversed
 * replication): for a server replicating towards the recovery region, the one that
 * replicates its recovery instance back; for a failback server, the original.
 */
reversedSourceServerId?: string,
/**
 * The recovery instance DRS associates with it.
 */
recoveryInstanceId?: string,
/**
 * How far its initial sync is (0–100), while one runs.
 */
initialSyncPercent?: number,
/**
 * Tags on the source server.
 */
tags: { [key in string]: string }, };

/**
 * One step of a server's timeline: a DRS job-log event with DRS's own time, or an engine
 * check (`VERIFIED`).
 */
export type Step = {
/**
 * `SNAPSHOT_START`, `CONVERSION_END`, `LAUNCH_START`, `LAUNCHED`, …
 */
event: string,
/**
 * When (RFC 3339).
 */
at: string, };

/**
 * What a failed step does to the rest of the plan.
 */
export type StepFailure = "stop" | "continue" | "ask";

/**
 * What kind of step.
 */
export type StepKind = "manual" | "ssmCommand" | "ssmAutomation" | "route53" | "check" | "wait";

/**
 * When a step runs.
 */
export type StepPhase = "before" | "after";

/**
 * One step of a wave in an execution.
 */
export type StepRun = {
/**
 * Name (unique within the wave).
 */
name: string,
/**
 * Before or after the launch.
 */
phase: StepPhase,
/**
 * What it is.
 */
kind: StepKind,
/**
 * What a person is asked to do.
 */
instruction?: string,
/**
 * Its timeout, in minutes.
 */
timeoutMinutes?: number,
/**
 * What its failure does.
 */
onFailure: StepFailure,
/**
 * Where it is.
 */
status: StepStatus,
/**
 * When it started (RFC 3339).
 */
startedAt?: string,
/**
 * When it ended.
 */
endedAt?: string,
/**
 * Who confirmed it.
 */
confirmedBy?: string,
/**
 * Why it failed or was skipped.
 */
note?: string,
/**
 * The step as the plan wrote it (automated steps): what the engine runs.
 */
spec?: PlanStep,
/**
 * An action written in the journal before it was sent and whose outcome is not known yet:
 * its token (an SSM command's comment, an automation's client token). Looked up by it,
 * never sent blindly again.
 */
attempt?: string,
/**
 * What AWS gave back for it: SSM command IDs, an automation execution ID, a Route 53
 * change ID.
 */
actionIds?: Array<string>,
/**
 * The EC2 instances it acts on or reads.
 */
instances?: Array<string>,
/**
 * What it reported: SSM output, the record read back, the check's last answer (an
 * excerpt).
 */
output?: string,
/**
 * Route 53: the value the record was given (resolved once, then kept).
 */
value?: string,
/**
 * When the engine looks at it again (RFC 3339).
 */
nextAt?: string,
/**
 * Tries made (a check tries until it passes or times out).
 */
tries?: number,
/**
 * AWS calls made for it.
 */
apiCalls?: number,
/**
 * It failed, its policy is ask, and it waits for a person to let the plan go on.
 */
asking?: boolean, };

/**
 * Where a step is.
 */
export type StepStatus = "pending" | "waiting" | "running" | "done" | "failed" | "skipped";

/**
 * A plan as stored, with its current revision.
 */
export type StoredPlan = {
/**
 * The plan.
 */
plan: RecoveryPlan,
/**
 * Its current revision number (1, 2, …).
 */
revision: number,
/**
 * When that revision was saved (RFC 3339 UTC).
 */
updatedAt: string,
/**
 * Who saved it.
 */
updatedBy: string, };

/**
 * A launch-into setting suspended for a drill, to restore afterwards.
 */
export type Suspended = {
/**
 * Target.
 */
target: string,
/**
 * The launch configuration before the drill.
 */
before: LaunchConfiguration,
/**
 * AWS confirmed the suspension (its answer, or a later read, shows no launch-into): only
 * then may the server launch.
 */
confirmed: boolean,
/**
 * Restored after the drill (AWS confirmed).
 */
restored: boolean,
/**
 * Suspending or restoring it, retried.
 */
retry?: Retry, };

/**
 * The last scheduled tag sync.
 */
export type TagRun = {
/**
 * When (RFC 3339).
 */
at: string,
/**
 * Servers tagged.
 */
written: number,
/**
 * What failed.
 */
errors: Array<string>, };

/**
 * Tag sync while the app runs.
 */
export type TagSchedule = {
/**
 * On or off.
 */
enabled: boolean,
/**
 * Hours between runs (1–24).
 */
intervalHours: number, };

/**
 * The tag sync schedule and its last run.
 */
export type TagScheduleState = {
/**
 * The schedule, if set.
 */
schedule: TagSchedule | null,
/**
 * Its last run.
 */
lastRun: TagRun | null, };

/**
 * What syncing a target's tags would do.
 */
export type TagSyncPlan = {
/**
 * Servers with something to write.
 */
servers: Array<ServerTagSync>,
/**
 * Servers already in line.
 */
inLine: number,
/**
 * Servers whose origin instance was not found (ID, name, instance).
 */
missingInstances: Array<string>,
/**
 * Servers that do not run in AWS (no origin instance).
 */
notInAws: number, };

/**
 * One tag whose value changes.
 */
export type TagValueChange = {
/**
 * Key.
 */
key: string,
/**
 * The source server's value now.
 */
before: string,
/**
 * The instance's value.
 */
after: string, };

/**
 * An AWS account + regions the app talks to.
 */
export type Target = {
/**
 * Unique name, e.g. `prod-workloads`.
 */
name: string,
/**
 * 12-digit AWS account ID.
 */
accountId: string,
/**
 * Region where the source servers replicate from (and DRS runs for failback).
 */
primaryRegion: string,
/**
 * Region DRS recovers into.
 */
recoveryRegion: string,
/**
 * Endpoint override for every service (the sandbox, LocalStack).
 */
endpointUrl?: string,
/**
 * Endpoints of single services (VPC interface endpoints: each answers one service),
 * before `endpoint_url`.
 */
endpoints?: ServiceEndpoints,
/**
 * How credentials are obtained.
 */
credentials: CredentialSource, };

/**
 * A target whose inventory could not be read.
 */
export type TargetFailure = {
/**
 * Target name.
 */
target: string,
/**
 * Why.
 */
message: string, };

/**
 * One target's servers judged.
 */
export type TargetHealth = {
/**
 * Target.
 */
target: string,
/**
 * Its thresholds.
 */
thresholds: Thresholds,
/**
 * Every server.
 */
servers: Array<ServerHealth>,
/**
 * Counts and the lag distribution.
 */
summary: HealthSummary,
/**
 * The target could not be read.
 */
error?: string, };

/**
 * One target as support sees it.
 */
export type TargetLine = {
/**
 * Name.
 */
name: string,
/**
 * AWS account.
 */
accountId: string,
/**
 * Source region.
 */
primaryRegion: string,
/**
 * Recovery region.
 */
recoveryRegion: string,
/**
 * How it signs in, without secrets.
 */
credentials: string,
/**
 * A custom endpoint, when set.
 */
endpointUrl: string | null, };

/**
 * One target's sync.
 */
export type TargetSync = {
/**
 * Target.
 */
target: string,
/**
 * What differs.
 */
plan: TagSyncPlan,
/**
 * Servers whose tags were written.
 */
written: number,
/**
 * Servers whose write failed, with why.
 */
failed: Array<string>,
/**
 * The target could not be read.
 */
error?: string, };

/**
 * A tested target: who its credentials act as, and where its requests go.
 */
export type TargetTest = {
/**
 * Where each service's requests go (the target alone decides).
 */
endpoints: Array<EndpointInUse>,
/**
 * Account ID.
 */
account: string,
/**
 * Caller ARN.
 */
arn: string,
/**
 * User ID.
 */
userId: string, };

/**
 * How strict the checks are.
 */
export type Thresholds = {
/**
 * Replication lag above this is a warning (seconds).
 */
maxLagSeconds: number,
/**
 * Replication lag above this is critical: a blocker for readiness, an alert while the
 * app runs (seconds).
 */
criticalLagSeconds: number,
/**
 * An agent not seen for longer than this is a blocker (seconds).
 */
maxAgentSilenceSeconds: number, };

/**
 * One step of a plan.
 */
export type Wave = {
/**
 * Unique within the plan.
 */
name: string,
/**
 * Protection groups launched by this wave.
 */
groups: Array<string>,
/**
 * Waves that must be done before this one starts. Absent: the wave before it in the list
 * (as SRM, DRS's own recovery plans and the platform this replaces read a list of waves);
 * `[]`: it starts with the first wave.
 */
dependsOn?: Array<string>,
/**
 * The wave waits for an explicit approval before it starts.
 */
approvalRequired: boolean,
/**
 * Minutes the wave may take before it counts as failed.
 */
timeoutMinutes?: number,
/**
 * What a failure in this wave does to the rest.
 */
onFailure: FailurePolicy,
/**
 * Steps run, in order, before the wave's servers launch.
 */
before?: Array<PlanStep>,
/**
 * Steps run, in order, once the wave's servers have launched; the wave (and its RTO to
 * "application up") ends when they are done.
 */
after?: Array<PlanStep>, };

/**
 * How a wave will run against the DRS quotas.
 */
export type WavePlan = {
/**
 * Wave name.
 */
wave: string,
/**
 * Source servers in it.
 */
servers: number,
/**
 * Recovery jobs the engine starts (≤ 100 servers each).
 */
jobs: number,
/**
 * Batches the jobs run in (≤ 20 concurrent jobs and ≤ 500 servers in active jobs).
 */
batches: number, };

/**
 * One wave's share of the recovery time.
 */
export type WaveRto = {
/**
 * Wave name.
 */
wave: string,
/**
 * Its status.
 */
status: WaveStatus,
/**
 * How long the wave itself ran (its start to its end).
 */
durationSeconds: number | null,
/**
 * From the start of the execution to the end of the wave: the recovery time of the
 * servers in it, which the plan's RTO target applies to.
 */
sinceStartSeconds: number | null,
/**
 * `since_start_seconds` within the plan's target.
 */
withinTarget: boolean | null,
/**
 * Servers launched.
 */
launched: number,
/**
 * Servers failed.
 */
failed: number,
/**
 * Servers in the wave.
 */
servers: number, };

/**
 * A wave in an execution.
 */
export type WaveRun = {
/**
 * Name.
 */
name: string,
/**
 * Waves it waits for (the plan's `dependsOn`, or the wave before it when the plan says
 * nothing).
 */
dependsOn: Array<string>,
/**
 * Needs an approval to start.
 */
approvalRequired: boolean,
/**
 * Who approved it.
 */
approvedBy?: string,
/**
 * Timeout.
 */
timeoutMinutes?: number,
/**
 * The timeout passed: no new server of the wave starts; its jobs are followed to the end.
 */
timedOut: boolean,
/**
 * Stop or continue when it fails.
 */
onFailure: FailurePolicy,
/**
 * Status.
 */
status: WaveStatus,
/**
 * Started (RFC 3339).
 */
startedAt?: string,
/**
 * Ended (RFC 3339): its last server's launch or failure as DRS reports it.
 */
endedAt?: string,
/**
 * Servers.
 */
servers: Array<ServerRun>,
/**
 * Its before- and after-steps, in the order they run.
 */
steps?: Array<StepRun>, };

/**
 * Where a wave is.
 */
export type WaveStatus = "pending" | "waitingApproval" | "running" | "completed" | "failed" | "skipped";
