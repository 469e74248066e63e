// The only module that talks to Rust. Every call is typed; components import from here, and
// Vitest mocks this module.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  BackgroundProblem,
  DiagnosticsText,
  AuditEntry,
  TargetTest,
  Execution,
  ExecutionDetail,
  ExecutionKind,
  ExecutionSummary,
  BackendError,
  ImportOutcome,
  GroupMembers,
  GroupPreview,
  Inventory,
  LaunchApplication,
  MadeReport,
  PairsOutcome,
  PairsPreview,
  PlanSummary,
  Problem,
  ProfileInfo,
  ProtectionGroup,
  Readiness,
  ReadinessSummary,
  RecoveryPlan,
  ReportFormat,
  ReportSchedule,
  RevisionInfo,
  SavePlan,
  ScheduleRun,
  ScheduleState,
  SecretInput,
  StoredPlan,
  TagSchedule,
  TagScheduleState,
  Target,
  TargetHealth,
  TargetSync,
  Thresholds,
  Orphan,
  RequestOutcome,
  Lifecycle,
  FailbackReadiness,
  FailbackCleanup,
  NativePreview,
  FeaturePermissions,
  PublishOutcome,
  NativePlan,
  Imported,
  OriginalChoice,
  MonitoringStatus,
  MonitoringOutcome,
  DeliveryRecord,
} from "./types";

function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  return invoke<T>(cmd, args).catch((e: unknown) => {
    throw toBackendError(e);
  });
}

/** Normalises anything thrown by invoke into the backend's {code, message} shape. */
export function toBackendError(e: unknown): BackendError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as BackendError;
  return { code: "internal", message: typeof e === "string" ? e : String(e) };
}

export const backend = {
  appInfo: () => call<AppInfo>("app_info"),
  ready: () => call<void>("app_ready"),
  diagnostics: () => call<DiagnosticsText>("app_diagnostics"),
  backgroundProblems: () => call<BackgroundProblem[]>("app_background_problems"),
  targets: () => call<Target[]>("target_list"),
  testTarget: (name: string) => call<TargetTest>("target_test", { name }),
  saveTarget: (target: Target, secrets: SecretInput, mode: "add" | "edit") =>
    call<Target>("target_save", { target, secrets, mode }),
  removeTarget: (name: string) => call<void>("target_remove", { name }),
  profiles: () => call<ProfileInfo[]>("aws_profiles"),
  audit: (subject?: string, limit?: number) => call<AuditEntry[]>("audit_list", { subject, limit }),

  plans: () => call<PlanSummary[]>("plan_list"),
  plan: (name: string) => call<StoredPlan>("plan_get", { name }),
  validatePlan: (plan: RecoveryPlan) => call<Problem[]>("plan_validate", { plan }),
  savePlan: (plan: RecoveryPlan, options: SavePlan) => call<StoredPlan>("plan_save", { plan, options }),
  clonePlan: (name: string, newName: string) => call<StoredPlan>("plan_clone", { name, newName }),
  deletePlan: (name: string) => call<void>("plan_delete", { name }),
  revisions: (name: string) => call<RevisionInfo[]>("plan_revisions", { name }),
  revision: (name: string, revision: number) => call<StoredPlan>("plan_revision_get", { name, revision }),
  diff: (name: string, from: number, to: number) => call<string>("plan_revision_diff", { name, from, to }),
  restore: (name: string, revision: number) => call<StoredPlan>("plan_restore", { name, revision }),
  /** Opens the save dialog (in Rust) and writes the plan there; the path, or null when cancelled. */
  exportPlanFile: (name: string) => call<string | null>("plan_export_file", { name }),

  groups: () => call<ProtectionGroup[]>("group_list"),
  group: (name: string) => call<ProtectionGroup>("group_get", { name }),
  validateGroup: (group: ProtectionGroup, originalName?: string | null) =>
    call<Problem[]>("group_validate", { group, originalName }),
  saveGroup: (group: ProtectionGroup, originalName?: string | null) =>
    call<ProtectionGroup>("group_save", { group, originalName }),
  deleteGroup: (name: string) => call<void>("group_delete", { name }),
  /** Opens the save dialog (in Rust) and writes the group there; the path, or null when cancelled. */
  exportGroupFile: (name: string) => call<string | null>("group_export_file", { name }),

  /** Opens the open dialog (in Rust) and imports the file; null when cancelled. */
  importFile: () => call<ImportOutcome | null>("import_file"),

  inventory: (target?: string) => call<Inventory>("inventory_load", { target }),

  checkReadiness: (plan: string) => call<Readiness>("readiness_check", { plan }),
  readiness: (plan: string) => call<Readiness | null>("readiness_get", { plan }),
  readinessList: () => call<ReadinessSummary[]>("readiness_list"),
  pairsPreview: (plan: string) => call<PairsPreview>("pairs_preview", { plan }),
  applyPairs: (plan: string, servers: string[]) => call<PairsOutcome>("pairs_apply", { plan, servers }),
  undoPairs: (plan: string) => call<PairsOutcome>("pairs_undo", { plan }),
  setPairOverride: (target: string, sourceServerId: string, instanceId: string | null) =>
    call<void>("pair_override_set", { target, sourceServerId, instanceId }),
  clearPairOverride: (target: string, sourceServerId: string) => call<void>("pair_override_clear", { target, sourceServerId }),

  /** Starts a drill or recovery; `onState` receives its states as they change (throttled). */
  startExecution: (
    plan: string,
    kind: ExecutionKind,
    options: { overrideReadiness: boolean; autoCleanup: boolean; confirm?: string },
    onState: (e: Execution) => void,
  ) => {
    const events = new Channel<Execution>();
    events.onmessage = onState;
    return call<string>("execution_start", { plan, kind, ...options, events });
  },
  /** Streams an execution's states to `onState`; resolves with the current one. */
  watchExecution: (id: string, onState: (e: Execution) => void) => {
    const events = new Channel<Execution>();
    events.onmessage = onState;
    return call<Execution>("execution_watch", { id, events });
  },
  executions: () => call<ExecutionSummary[]>("execution_list"),
  execution: (id: string) => call<ExecutionDetail>("execution_get", { id }),
  requestExecution: (id: string, request: "pause" | "resume" | "cancel" | "approve" | "cleanup" | "abandon", wave?: string) =>
    call<RequestOutcome>("execution_request", { id, request, wave }),
  /** Confirms a wave's manual step. */
  confirmStep: (id: string, wave: string, step: string) => call<RequestOutcome>("execution_confirm_step", { id, wave, step }),
  /** Drives here an execution nobody drives (a recovery needs its plan's name; a stopped driver needs `takeOver`). */
  resumeExecution: (id: string, options: { confirm?: string; takeOver?: boolean } = {}) =>
    call<void>("execution_resume", { id, confirm: options.confirm ?? null, takeOver: options.takeOver ?? false }),
  /** Unfinished executions no live process drives. */
  orphanedExecutions: () => call<Orphan[]>("execution_orphans"),

  /** Checks the plans now (all when empty) and makes their readiness report. */
  readinessReport: (plans: string[], format: ReportFormat) => call<MadeReport>("report_readiness", { plans, format }),
  drillReport: (execution: string, format: ReportFormat) => call<MadeReport>("report_drill", { execution, format }),
  /** Opens the save dialog (in Rust) and writes the report there; the path, or null when cancelled. */
  saveReport: (token: string) => call<string | null>("report_save", { token }),
  /** Opens the folder dialog (in Rust); the folder, or null when cancelled. */
  chooseScheduleFolder: () => call<string | null>("report_schedule_choose_folder"),
  reportSchedule: () => call<ScheduleState>("report_schedule_get"),
  saveReportSchedule: (schedule: ReportSchedule) => call<ScheduleState>("report_schedule_set", { schedule }),
  runReportSchedule: () => call<ScheduleRun>("report_schedule_run_now"),
  retryDeliveries: () => call<DeliveryRecord[]>("report_delivery_retry"),

  /** The servers a group being edited selects now (live inventory), and its conflicts. */
  groupMembers: (group: ProtectionGroup, originalName?: string | null) => call<GroupMembers>("group_members", { group, originalName }),
  groupLaunchPreview: (name: string) => call<GroupPreview>("group_launch_preview", { name }),
  /** Applies a group's launch settings; `onProgress` gets (done, total). */
  groupLaunchApply: (name: string, servers: string[], onProgress: (done: number, total: number) => void) => {
    const events = new Channel<{ done: number; total: number }>();
    events.onmessage = (p) => onProgress(p.done, p.total);
    return call<LaunchApplication>("group_launch_apply", { name, servers, events });
  },
  groupLaunchApplies: (name: string) => call<LaunchApplication[]>("group_launch_applies", { name }),
  groupLaunchRollback: (name: string, id: number, onProgress: (done: number, total: number) => void) => {
    const events = new Channel<{ done: number; total: number }>();
    events.onmessage = (p) => onProgress(p.done, p.total);
    return call<LaunchApplication>("group_launch_rollback", { name, id, events });
  },
  health: () => call<TargetHealth[]>("health_check"),
  thresholds: () => call<Record<string, Thresholds>>("thresholds_get"),
  setThresholds: (target: string, thresholds: Thresholds) => call<void>("thresholds_set", { target, thresholds }),
  syncTags: (target: string | null, dryRun: boolean) => call<TargetSync[]>("tags_sync", { target, dryRun }),
  tagSchedule: () => call<TagScheduleState>("tags_schedule_get"),
  setTagSchedule: (schedule: TagSchedule) => call<void>("tags_schedule_set", { schedule }),
  lifecycle: (plan: string) => call<Lifecycle>("plan_lifecycle", { plan }),
  failbackCheck: (plan: string, originals: OriginalChoice) => call<FailbackReadiness>("failback_check", { plan, originals }),
  startReprotect: (plan: string, onState: (e: Execution) => void) => {
    const events = new Channel<Execution>();
    events.onmessage = onState;
    return call<string>("reprotect_start", { plan, events });
  },
  startFailback: (
    plan: string,
    options: { drill: boolean; originals: OriginalChoice; overrideReadiness: boolean; confirm?: string },
    onState: (e: Execution) => void,
  ) => {
    const events = new Channel<Execution>();
    events.onmessage = onState;
    return call<string>("failback_start", { plan, ...options, events });
  },
  failbackReport: (plan: string, format: ReportFormat) => call<MadeReport>("report_failback", { plan, format }),
  permissions: () => call<FeaturePermissions[]>("permissions_list"),
  nativePreview: (plan: string, target?: string) => call<NativePreview>("native_preview", { plan, target }),
  nativePublish: (plan: string, target?: string) => call<PublishOutcome>("native_publish", { plan, target }),
  nativePlans: (target: string) => call<NativePlan[]>("native_plans", { target }),
  nativeImport: (target: string, arn: string, name?: string) => call<Imported>("native_import", { target, arn, name }),
  startNative: (
    plan: string,
    options: { target?: string; drill: boolean; overrideReadiness: boolean; confirm?: string },
    onState: (e: Execution) => void,
  ) => {
    const events = new Channel<Execution>();
    events.onmessage = onState;
    return call<string>("native_start", { plan, ...options, events });
  },
  monitoringStatus: (target: string, emails: string[]) => call<MonitoringStatus>("monitoring_status", { target, emails }),
  monitoringDeploy: (target: string, emails: string[]) => call<MonitoringOutcome>("monitoring_deploy", { target, emails }),
  monitoringRemove: (target: string) => call<MonitoringOutcome>("monitoring_remove", { target }),
  monitoringTemplate: (target: string, emails: string[]) =>
    call<string | null>("monitoring_template_save", { target, emails }),
  failbackCleanup: (plan: string, keepInstances: boolean, confirm?: string) =>
    call<FailbackCleanup>("failback_cleanup", { plan, keepInstances, confirm }),
};

export type Backend = typeof backend;
