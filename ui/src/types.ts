// Types mirroring the Rust core (drs-core) and store (drs-store) as they cross the IPC boundary.

export type Severity = "error" | "warning";

export interface Problem {
  severity: Severity;
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export type FailurePolicy = "stop" | "continue";

export interface Wave {
  name: string;
  groups: string[];
  dependsOn?: string[];
  approvalRequired: boolean;
  timeoutMinutes?: number;
  onFailure: FailurePolicy;
}

export interface RecoveryPlan {
  name: string;
  description?: string;
  rtoTargetMinutes?: number;
  waves: Wave[];
}

export interface StoredPlan {
  plan: RecoveryPlan;
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export interface PlanSummary {
  name: string;
  description: string;
  waves: number;
  groups: number;
  rtoTargetMinutes?: number | null;
  revision: number;
  updatedAt: string;
  updatedBy: string;
}

export interface RevisionInfo {
  revision: number;
  createdAt: string;
  author: string;
  message: string;
}

export interface SavePlan {
  originalName?: string | null;
  expectedRevision?: number | null;
  message?: string;
}

export type LaunchMode = "newInstances" | "preProvisioned";

export interface LaunchSettings {
  launchMode: LaunchMode;
  subnetId?: string;
  securityGroupIds?: string[];
  instanceType?: string;
  launchDisposition?: "stopped" | "started";
  copyPrivateIp?: boolean;
  copyTags?: boolean;
  rightSizing?: "none" | "basic" | "inAws";
  osByol?: boolean;
  recoveryMode?: "fast" | "optimal";
  /** Drills launch into the DR instances too (then stopped and disconnected, never terminated). */
  fullFidelityDrills?: boolean;
  /** Drills launch into this isolated network; the recovery settings are put back afterwards. */
  drillNetwork?: { subnetId: string; securityGroupIds?: string[] };
}

export interface ServerOverride {
  sourceServerId: string;
  privateIp?: string;
  instanceType?: string;
  subnetId?: string;
}

export interface Selector {
  tags?: Record<string, string>;
  sourceServerIds?: string[];
}

export interface ProtectionGroup {
  name: string;
  description?: string;
  target: string;
  selector: Selector;
  launch: LaunchSettings;
  overrides?: ServerOverride[];
}

export type CredentialSource =
  | { kind: "sandbox" }
  | { kind: "profile"; profile: string }
  | {
      kind: "assumeRole";
      roleArn: string;
      /** The base profile or target whose credentials assume the role. */
      via: string;
      viaKind: "profile" | "target";
      sessionName?: string;
      /** An external ID is kept in the OS keychain (the UI never sees it). */
      externalIdStored: boolean;
    }
  | { kind: "accessKeys"; accessKeyId: string; sessionTokenStored: boolean };

/** Secrets typed into the target form; sent once, kept only in the OS keychain. Absent = keep. */
export interface SecretInput {
  secretAccessKey?: string;
  sessionToken?: string;
  externalId?: string;
}

/** A profile of the AWS config files. */
export interface ProfileInfo {
  name: string;
  sso: boolean;
  roleArn?: string;
  region?: string;
}

export interface Target {
  name: string;
  accountId: string;
  primaryRegion: string;
  recoveryRegion: string;
  endpointUrl?: string;
  credentials: CredentialSource;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subjectKind: string;
  subject: string;
  detail: unknown;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  database?: string | null;
  storeError?: string | null;
  actor: string;
  /** The startup check of the OS keychain. */
  keychain: "checking" | "ok" | "unavailable";
  keychainError?: string | null;
}

export interface ImportOutcome {
  summary: { groups: string[]; plans: [string, number][] };
  warnings: Problem[];
}

/** The one error shape every backend command rejects with. */
export interface BackendError {
  code: "invalid" | "not_found" | "conflict" | "store_unavailable" | "io" | "aws" | "keychain" | "internal";
  message: string;
  problems?: Problem[];
}

export interface ReplicationError {
  error: string;
  rawError?: string;
}

export interface SourceServer {
  id: string;
  arn: string;
  target: string;
  name?: string | null;
  hostname?: string | null;
  replicationState?: string | null;
  lag?: string | null;
  lagSeconds?: number | null;
  lastSeen?: string | null;
  replicationError?: ReplicationError | null;
  originInstanceId?: string | null;
  originAccountId?: string | null;
  originRegion?: string | null;
  recommendedInstanceType?: string | null;
  os?: string | null;
  replicationDirection?: string | null;
  tags: Record<string, string>;
}

export interface Ec2Instance {
  id: string;
  target: string;
  region: string;
  name?: string | null;
  state: string;
  instanceType?: string | null;
  privateIp?: string | null;
  subnetId?: string | null;
  architecture?: string | null;
  platform?: string | null;
  rootDeviceType?: string | null;
  bootMode?: string | null;
  tags: Record<string, string>;
}

export interface Inventory {
  sourceServers: SourceServer[];
  instances: Ec2Instance[];
  failures: { target: string; message: string }[];
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export type FindingSeverity = "blocker" | "warning";

/** One thing readiness found, with the evidence seen and what to do. */
export interface Finding {
  severity: FindingSeverity;
  check: string;
  wave?: string;
  group?: string;
  sourceServerId?: string;
  serverName?: string;
  message: string;
  evidence?: string;
  observedAt: string;
  remediation?: string;
}

export interface WavePlan {
  wave: string;
  servers: number;
  jobs: number;
  batches: number;
}

export type PairStatus = "matched" | "override" | "unmatched" | "ambiguous" | "orphan";

export interface PairCheck {
  check: string;
  ok: boolean;
  message: string;
  remediation?: string;
  fixedByApply: boolean;
}

export interface Pair {
  status: PairStatus;
  group?: string;
  target: string;
  sourceServerId?: string;
  serverName?: string;
  instanceId?: string;
  instanceName?: string;
  matchedBy?: "nameTag" | "hostname" | "shortHostname" | "override";
  candidates?: string[];
  note: string;
  checks?: PairCheck[];
}

export interface Readiness {
  plan: string;
  checkedAt: string;
  ready: boolean;
  blockers: number;
  warnings: number;
  servers: number;
  findings: Finding[];
  waves: WavePlan[];
  pairs: Pair[];
}

export interface ReadinessSummary {
  plan: string;
  checkedAt: string;
  ready: boolean;
  blockers: number;
  warnings: number;
  servers: number;
}

export interface LaunchConfiguration {
  sourceServerId: string;
  launchIntoInstanceId?: string;
  copyPrivateIp?: boolean;
  copyTags?: boolean;
  rightSizing?: string;
  launchDisposition?: string;
  ec2LaunchTemplateId?: string;
}

export interface PairChange {
  group: string;
  sourceServerId: string;
  serverName: string;
  instanceId: string;
  before: LaunchConfiguration;
  after: LaunchConfiguration;
}

export interface Skipped {
  subject: string;
  name: string;
  reason: string;
}

export interface ApplyPlan {
  changes: PairChange[];
  unchanged: number;
  skipped: Skipped[];
}

export interface ApplyOutcome {
  applied: PairChange[];
  skipped: Skipped[];
  failed: Skipped[];
}

export interface PairApplication {
  id: number;
  plan: string;
  target: string;
  appliedAt: string;
  appliedBy: string;
  changes: PairChange[];
  undoneAt?: string | null;
}

export interface PairsPreview {
  readiness: Readiness;
  apply: Record<string, ApplyPlan>;
  undoable: PairApplication[];
}

export interface PairsOutcome {
  targets: Record<string, ApplyOutcome>;
}

export type ExecutionKind = "drill" | "recovery";
export type ExecutionStatus = "preparing" | "running" | "paused" | "cancelling" | "cleaningUp" | "completed" | "failed" | "cancelled";
export type WaveStatus = "pending" | "waitingApproval" | "running" | "completed" | "failed" | "skipped";
export type ServerStatus = "pending" | "preparing" | "queued" | "launching" | "launched" | "failed" | "notRun";

/** A step that failed and is tried again. */
export interface Retry {
  attempts?: number;
  nextAt?: string;
  lastError?: string;
}

export interface ServerRun {
  sourceServerId: string;
  name: string;
  group: string;
  target: string;
  status: ServerStatus;
  checked?: boolean;
  retry?: Retry;
  expectedInstanceId?: string;
  expectedPrivateIp?: string;
  batch?: string;
  recoveryInstanceId?: string;
  ec2InstanceId?: string;
  failure?: string;
  startedAt?: string;
  endedAt?: string;
  steps?: { event: string; at: string }[];
}

export interface WaveRun {
  name: string;
  dependsOn: string[];
  approvalRequired: boolean;
  approvedBy?: string;
  timeoutMinutes?: number;
  timedOut?: boolean;
  onFailure: "stop" | "continue";
  status: WaveStatus;
  startedAt?: string;
  endedAt?: string;
  servers: ServerRun[];
}

export interface Execution {
  id: string;
  plan: string;
  planRevision: number;
  kind: ExecutionKind;
  startedBy: string;
  startedAt: string;
  endedAt?: string;
  status: ExecutionStatus;
  rtoTargetMinutes?: number;
  autoCleanup: boolean;
  waves: WaveRun[];
  identities?: Record<string, string>;
  batches: { key: string; target: string; wave: string; servers: string[]; jobId?: string; done: boolean; uncertain?: boolean; retry?: Retry }[];
  suspended: { target: string; before: LaunchConfiguration; confirmed?: boolean; restored: boolean; retry?: Retry }[];
  isolated?: { target: string; wave: string; sourceServerId: string; applied: boolean; restored: boolean; retry?: Retry }[];
  cleanup: {
    status: string;
    jobs: [string, string][];
    remaining: string[];
    message?: string;
    items?: CleanupItem[];
    retry?: Retry;
  };
  gaps?: { from: string; to: string }[];
  lastTickAt?: string;
  failure?: string;
}

export interface CleanupItem {
  target: string;
  recoveryInstanceId: string;
  ec2InstanceId?: string;
  sourceServerId?: string;
  action: "terminate" | "stopAndDisconnect";
  keptBecause?: string;
  state: "found" | "terminating" | "stopping" | "done";
  jobId?: string;
}

/** Who drives an execution, from its lease. */
export type Driver =
  | { state: "none" }
  | { state: "live"; owner: string; secondsSinceHeartbeat: number }
  | { state: "stale"; owner: string; secondsSinceHeartbeat: number };

export interface ExecutionSummary {
  id: string;
  plan: string;
  kind: string;
  status: string;
  startedAt: string;
  endedAt?: string | null;
  startedBy: string;
  cleanup: string;
}

export interface ExecutionDetail {
  execution: Execution;
  events: { at: string; event: string; status: string }[];
  driver: Driver;
  driving: boolean;
  retries: [string, string][];
}

export interface RequestOutcome {
  driver: Driver;
  drivenHere: boolean;
}

export interface Orphan extends ExecutionSummary {
  driver: Driver;
}

export type ReportFormat = "pdf" | "csv";

export interface ReportPlanLine {
  plan: string;
  ready: boolean;
  servers: number;
  blockedServers: number;
  warningServers: number;
  blockers: number;
  warnings: number;
  topBlockers: string[];
  lastDrill?: string | null;
  lastDrillRtoSeconds?: number | null;
  rtoTargetSeconds?: number | null;
}

export type ReportSummary =
  | { kind: "readiness"; plans: ReportPlanLine[]; checkedAt: string; identity: string[] }
  | {
      kind: "drill";
      execution: string;
      plan: string;
      executionKind: ExecutionKind;
      status: string;
      inProgress: boolean;
      measuredSeconds?: number | null;
      targetSeconds?: number | null;
      launched: number;
      failed: number;
      total: number;
      cleanup: string;
    };

export interface ReportPreview {
  title: string;
  fileName: string;
  format: ReportFormat;
  bytes: number;
  summary: ReportSummary;
}

export interface MadeReport {
  token: string;
  preview: ReportPreview;
}

export interface ReportSchedule {
  enabled: boolean;
  folder: string;
  cadence: "daily" | "weekly";
  weekday: number;
  hour: number;
  plans: string[];
  format: ReportFormat;
  savedAt?: string | null;
}

export interface ScheduleRun {
  at: string;
  files: string[];
  errors: string[];
}

export interface ScheduleState {
  schedule?: ReportSchedule | null;
  lastRun?: ScheduleRun | null;
  nextRun?: string | null;
}

export interface GroupMember {
  sourceServerId: string;
  name: string;
  replicationState?: string | null;
}

export interface GroupConflict {
  target: string;
  sourceServerId: string;
  name: string;
  groups: string[];
}

export interface GroupMembers {
  members: GroupMember[];
  missing: string[];
  conflicts: GroupConflict[];
  inventory: number;
}

export interface FieldChange {
  field: string;
  before?: string | null;
  after?: string | null;
}

export interface ServerDiff {
  sourceServerId: string;
  name: string;
  changes: FieldChange[];
  error?: string;
}

export interface GroupPreview {
  group: string;
  target: string;
  members: GroupMember[];
  missing: string[];
  conflicts: GroupConflict[];
  problems: Problem[];
  servers: ServerDiff[];
}

export interface ServerRecord {
  sourceServerId: string;
  name: string;
  changes: FieldChange[];
  status: "pending" | "applied" | "failed";
  error?: string;
  templateVersion?: number;
}

export interface LaunchApplication {
  id: number;
  group: string;
  target: string;
  kind: string;
  startedAt: string;
  finishedAt?: string | null;
  actor: string;
  rolledBackBy?: number | null;
  rollsBack?: number | null;
  servers: ServerRecord[];
}

export interface Thresholds {
  maxLagSeconds: number;
  criticalLagSeconds: number;
  maxAgentSilenceSeconds: number;
}

export interface ServerHealth {
  target: string;
  sourceServerId: string;
  name: string;
  replicationState?: string | null;
  lagSeconds?: number | null;
  agentSilenceSeconds?: number | null;
  agentDisconnected: boolean;
  level: "critical" | "warning" | "healthy";
  reasons: string[];
}

export interface TargetHealth {
  target: string;
  thresholds: Thresholds;
  servers: ServerHealth[];
  summary: {
    servers: number;
    critical: number;
    warning: number;
    healthy: number;
    byState: Record<string, number>;
    lagBuckets: [string, number][];
  };
  error?: string;
}

export interface ServerTagSync {
  sourceServerId: string;
  name: string;
  originInstanceId: string;
  add: Record<string, string>;
  change: { key: string; before: string; after: string }[];
  skipped: string[];
}

export interface TargetSync {
  target: string;
  plan: { servers: ServerTagSync[]; inLine: number; missingInstances: string[]; notInAws: number };
  written: number;
  failed: string[];
  error?: string;
}

export interface TagSchedule {
  enabled: boolean;
  intervalHours: number;
}

export interface TagScheduleState {
  schedule?: TagSchedule | null;
  lastRun?: { at: string; written: number; errors: string[] } | null;
}
