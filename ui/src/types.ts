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
