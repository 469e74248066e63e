import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import ExpandableSection from "@cloudscape-design/components/expandable-section";
import Header from "@cloudscape-design/components/header";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import Toggle from "@cloudscape-design/components/toggle";
import { useEffect, useState } from "react";
import { useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState, Loading } from "../components/PageState";
import FormField from "@cloudscape-design/components/form-field";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import type { BackendError, Driver, Execution, ExecutionDetail, Retry, RtoMeasure, ServerRun, StepStatus, WaveRun } from "../types";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { clock, executionLabel, formatTime } from "./format";
import "./execution-view.css";

const FINAL = ["completed", "failed", "cancelled"];

/** The measured recovery time: servers launched, and the application up (after-steps done). */
export function recoveryTime(rto: RtoMeasure | undefined): string {
  if (!rto || rto.measuredSeconds === null) return "measured when every server has launched";
  const launched = `servers launched ${clock(rto.measuredSeconds)}`;
  if (rto.applicationUpSeconds === null || rto.applicationUpSeconds === rto.measuredSeconds) return launched;
  return `${launched} · application up ${clock(rto.applicationUpSeconds)}`;
}

/** How each step kind reads. */
const STEP_KIND_LABEL: Record<string, string> = {
  manual: "manual",
  ssmCommand: "SSM command",
  ssmAutomation: "SSM automation",
  route53: "Route 53",
  check: "check",
  wait: "wait",
};

/** How each step status shows. */
const STEP_STATUS: Record<StepStatus, "pending" | "in-progress" | "success" | "error" | "stopped"> = {
  pending: "pending",
  waiting: "in-progress",
  running: "in-progress",
  done: "success",
  failed: "error",
  skipped: "stopped",
};

export { clock };

const ms = (t?: string) => (t ? Date.parse(t) : NaN);

/** Counts of an execution: launched, failed, launching, total. */
export function counts(e: Execution) {
  const all = e.waves.flatMap((w) => w.servers);
  return {
    launched: all.filter((s) => s.status === "launched").length,
    failed: all.filter((s) => s.status === "failed").length,
    launching: all.filter((s) => s.status === "launching" || s.status === "queued").length,
    total: all.length,
  };
}

/**
 * "Now" on the execution's own clock (the sandbox's simulated clock on the sandbox): its end,
 * or its engine's last tick. Falls back to the wall clock for journals without ticks.
 */
export function executionNow(e: Execution, wall: number): number {
  if (FINAL.includes(e.status) && e.endedAt) return ms(e.endedAt);
  if (e.lastTickAt) return ms(e.lastTickAt);
  return wall;
}

/** What is being retried now and why: `[what, why]`. */
export function retries(e: Execution): [string, string][] {
  const out: [string, string][] = [];
  const note = (what: string, r?: Retry) => {
    if (r?.lastError) out.push([`${what} (attempt ${(r.attempts ?? 0) + 1})`, r.lastError]);
  };
  for (const b of e.batches.filter((b) => !b.done)) {
    note(b.jobId ? `reading the end of job ${b.jobId}` : b.uncertain ? `finding or starting the job of batch ${b.key}` : `starting batch ${b.key}`, b.retry);
  }
  for (const s of e.waves.flatMap((w) => w.servers).filter((s) => !["launched", "failed", "notRun"].includes(s.status))) note(`preparing ${s.name}`, s.retry);
  for (const s of e.suspended) note(`${s.confirmed ? "restoring" : "suspending"} the launch-into setting of ${s.before.sourceServerId}`, s.retry);
  for (const x of e.isolated ?? []) note(`${x.applied ? "restoring the recovery network of" : "moving to the drill network"} ${x.sourceServerId}`, x.retry);
  note("the drill's cleanup", e.cleanup.retry);
  return out;
}

/** Who drives the execution, in words. */
export function driverText(d: Driver | undefined, here: boolean): string {
  if (here) return "this window";
  if (!d || d.state === "none") return "nobody";
  const where = d.owner.endsWith(":cli") ? "a terminal" : d.owner.endsWith(":window") ? "another window" : "another process";
  return d.state === "live" ? `${where} (${d.owner})` : `${where} (${d.owner}), silent for ${clock(d.secondsSinceHeartbeat)}`;
}

/** The one line stakeholders read: kind, plan, status, progress, elapsed against the RTO. */
export function summaryLine(e: Execution, now: number): string {
  const c = counts(e);
  const elapsed = (executionNow(e, now) - ms(e.startedAt)) / 1000;
  const rto = e.rtoTargetMinutes && e.kind !== "reprotect" ? ` of ${e.rtoTargetMinutes} min RTO` : "";
  const verb = e.kind === "reprotect" ? "replicating" : "launched";
  return `${executionLabel(e.kind, e.direction)} of ${e.plan} · ${c.launched}/${c.total} ${verb} · ${c.failed} failed · ${clock(elapsed)} elapsed${rto}`;
}

/** A reprotect's server: the source server of the other direction and its progress. */
function ReversalCell({ s }: { s: ServerRun }) {
  const r = s.reversal;
  if (!r) return <>—</>;
  if (!r.sourceServerId) return <StatusIndicator type={r.sent ? "in-progress" : "pending"}>{r.sent ? "ReverseReplication sent" : "not started"}</StatusIndicator>;
  const what =
    r.state === "CONTINUOUS"
      ? `replicating, lag ${clock(r.lagSeconds ?? 0)}`
      : r.state === "INITIAL_SYNC" && r.syncPercent != null
        ? `initial sync ${r.syncPercent}%`
        : (r.state ?? "starting").toLowerCase().replace(/_/g, " ");
  return (
    <StatusIndicator type={r.state === "CONTINUOUS" ? "success" : "in-progress"}>
      {r.sourceServerId}: {what}
    </StatusIndicator>
  );
}

/** A failback's server on its way back, in words. */
export function drainText(s: ServerRun): string {
  const d = s.drain;
  if (!d) return "—";
  if (d.done) return d.originalUse === "newInstance" ? "ready: a new instance" : `ready: into ${d.originalInstanceId ?? "the original"}`;
  if (!d.stopSent) return d.originalUse === "prepareThenLaunchInto" && !d.originalPrepareSent ? "preparing the original" : "waiting for its wave";
  if (!d.stopped) return "stopping its recovery instance";
  if (d.originalUse === "prepareThenLaunchInto" && !d.originalReady) return "stopping and tagging the original";
  if (!d.launchSet) return "setting launch-into";
  return `waiting for lag ≤ ${clock(d.maxLagSeconds)} (now ${d.lagSeconds != null ? clock(d.lagSeconds) : "unknown"})`;
}

const barClass = (status: string) => `bar bar-${status}`;

/** A Gantt of waves and their servers, laid out on the execution's time span. */
function Timeline({ e, now }: { e: Execution; now: number }) {
  const t0 = ms(e.startedAt);
  const ends = e.waves.flatMap((w) => [ms(w.endedAt), ...w.servers.map((s) => ms(s.endedAt))]).filter((x) => !Number.isNaN(x));
  const t1 = Math.max(executionNow(e, now), ...ends, t0 + 1000);
  const pos = (a?: string, b?: string) => {
    const start = Number.isNaN(ms(a)) ? null : ms(a);
    if (start === null) return null;
    const stop = Number.isNaN(ms(b)) ? t1 : ms(b);
    return { left: `${((start - t0) / (t1 - t0)) * 100}%`, width: `${Math.max(0.5, ((stop - start) / (t1 - t0)) * 100)}%` };
  };
  const rtoAt = e.rtoTargetMinutes ? ((e.rtoTargetMinutes * 60_000) / (t1 - t0)) * 100 : null;
  return (
    <div className="timeline" data-testid="timeline">
      {e.waves.map((w) => (
        <div key={w.name} className="wave-block">
          <div className="row wave-row">
            <div className="label">
              <b>{w.name}</b> <small>{w.status === "waitingApproval" ? "waits for approval" : w.status}</small>
            </div>
            <div className="track">
              {pos(w.startedAt, w.endedAt) && <div className={barClass(w.status)} style={pos(w.startedAt, w.endedAt)!} />}
              {rtoAt !== null && rtoAt <= 100 && <div className="rto-line" style={{ left: `${rtoAt}%` }} title="RTO target" />}
            </div>
          </div>
          {w.servers.slice(0, 40).map((s) => (
            <div key={s.sourceServerId} className="row server-row" title={s.failure ?? s.status}>
              <div className="label">{s.name}</div>
              <div className="track">{pos(s.startedAt, s.endedAt) && <div className={barClass(s.status)} style={pos(s.startedAt, s.endedAt)!} />}</div>
            </div>
          ))}
          {w.servers.length > 40 && <div className="more">and {w.servers.length - 40} more servers (see the table)</div>}
        </div>
      ))}
    </div>
  );
}

function waveElapsed(w: WaveRun, now: number): string {
  if (!w.startedAt) return "—";
  const end = w.endedAt ? ms(w.endedAt) : now;
  return clock((end - ms(w.startedAt)) / 1000) + (w.timedOut ? " (timed out)" : "");
}

/** Resume an execution nobody drives: a recovery needs its plan's name; a stopped driver an explicit take-over. */
function ResumeModal({ e, driver, onClose, onDone }: { e: Execution; driver?: Driver; onClose: () => void; onDone: () => void }) {
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const stale = driver?.state === "stale";
  const recovery = e.kind === "recovery";
  const ok = !recovery || typed === e.plan;
  const go = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await backend.resumeExecution(e.id, { confirm: recovery ? typed : undefined, takeOver: stale });
      onDone();
    } catch (err) {
      setError(toBackendError(err).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={stale ? "Take over and resume" : "Resume here"}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" disabled={!ok} loading={busy} onClick={() => void go()} data-testid="resume-confirm">
              {stale ? "Take over" : "Resume"}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {stale && driver?.state === "stale" && (
          <Alert type="warning">
            {driver.owner} drove this execution and has not been heard from for {clock(driver.secondsSinceHeartbeat)}. If that process is only stopped, taking over stops it from writing
            again; the take-over is recorded in the audit log.
          </Alert>
        )}
        <Box>This window goes on from the journal: jobs already started are found again by their tags, never started twice.</Box>
        {recovery && (
          <FormField label={`A real recovery: type the plan's name (${e.plan}) to resume it`}>
            <Input value={typed} onChange={(ev) => setTyped(ev.detail.value)} data-testid="resume-confirm-plan" />
          </FormField>
        )}
        {error && <Alert type="error">{error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}

/** The live view of one execution: summary, controls, timeline, servers, cleanup proof, events. */
export function ExecutionView() {
  const { id = "" } = useParams();
  const { notify } = useFlash();
  const [detail, setDetail] = useState<ExecutionDetail | null>(null);
  const [live, setLive] = useState<Execution | null>(null);
  const [error, setError] = useState<BackendError>();
  const [now, setNow] = useState(Date.now());
  const [presenting, setPresenting] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [resuming, setResuming] = useState(false);

  const load = async () => {
    try {
      setDetail(await backend.execution(id));
    } catch (e) {
      setError(toBackendError(e));
    }
  };

  useEffect(() => {
    void load();
    backend.watchExecution(id, (e) => setLive(e)).catch((e) => setError(toBackendError(e)));
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const e = live ?? detail?.execution ?? null;
  // Refresh events when the status changes.
  useEffect(() => {
    if (live) void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live?.status, live?.cleanup.status]);

  const servers: (ServerRun & { wave: string })[] = (e?.waves ?? []).flatMap((w) => w.servers.map((s) => ({ ...s, wave: w.name })));
  const { items, collectionProps, filterProps, filteredItemsCount } = useCollection(servers, {
    filtering: {
      filteringFunction: (s, text) => [s.name, s.wave, s.group, s.status, s.failure, s.recoveryInstanceId, s.ec2InstanceId].some((v) => v?.toLowerCase().includes(text.toLowerCase())),
    },
    sorting: {},
  });

  if (error) return <ErrorState error={error} onRetry={() => void load()} />;
  if (!e) return <Loading what="the execution" />;

  const request = async (what: "pause" | "resume" | "cancel" | "approve" | "cleanup" | "abandon", wave?: string) => {
    setBusy(what + (wave ?? ""));
    try {
      const outcome = await backend.requestExecution(e.id, what, wave);
      const asked = what === "approve" ? `Wave "${wave}" approved.` : `Asked to ${what === "cleanup" ? "clean up" : what === "abandon" ? "stop retrying the cleanup" : what}.`;
      notify(
        "success",
        outcome.drivenHere || outcome.driver.state === "live" ? asked : `${asked} No process drives this execution now: it is acted on when it is resumed.`,
      );
      void load();
    } catch (err) {
      notify("error", toBackendError(err).message);
    } finally {
      setBusy(null);
    }
  };

  const confirm = async (wave: string, step: string) => {
    setBusy(`step:${wave}/${step}`);
    try {
      const outcome = await backend.confirmStep(e.id, wave, step);
      const said = `Step "${step}" confirmed.`;
      notify("success", outcome.drivenHere || outcome.driver.state === "live" ? said : `${said} No process drives this execution now: it is acted on when it is resumed.`);
      void load();
    } catch (err) {
      notify("error", toBackendError(err).message);
    } finally {
      setBusy(null);
    }
  };

  const c = counts(e);
  const final = FINAL.includes(e.status);
  const reprotect = e.kind === "reprotect";
  const waiting = e.waves.filter((w) => w.status === "waitingApproval");
  const waitingSteps = e.waves.flatMap((w) => (w.steps ?? []).filter((s) => s.status === "waiting").map((s) => ({ wave: w.name, step: s })));
  const steps = e.waves.flatMap((w) => (w.steps ?? []).map((s) => ({ wave: w.name, step: s })));
  const driver = detail?.driver;
  const drivenHere = !!detail?.driving;
  const orphaned = detail && !drivenHere && !final && driver?.state !== "live" && e.cleanup.status !== "awaitingConfirmation";
  const retrying = retries(e);
  const stuck = e.status === "cleaningUp" && retrying.length > 0;
  const identities = Object.entries(e.identities ?? {});
  // DRS runs a native plan's execution: the app follows it and cannot pause or cancel it.
  const drsDrives = !!e.native && !e.native.drsDone && !final;

  return (
    <div className={presenting ? "presenting" : undefined}>
      <ContentLayout
        header={
          <Header
            variant="h1"
            description={`${e.id} · plan revision ${e.planRevision} · started ${formatTime(e.startedAt)} by ${e.startedBy}`}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Toggle checked={presenting} onChange={(ev) => setPresenting(ev.detail.checked)} data-testid="presentation">
                  Presentation
                </Toggle>
                {!final && !drsDrives && e.status !== "paused" && (
                  <Button onClick={() => void request("pause")} loading={busy === "pause"}>
                    Pause
                  </Button>
                )}
                {e.status === "paused" && (
                  <Button onClick={() => void request("resume")} loading={busy === "resume"}>
                    Resume
                  </Button>
                )}
                {!final && !drsDrives && (
                  <Button onClick={() => void request("cancel")} loading={busy === "cancel"} data-testid="cancel-execution">
                    Cancel
                  </Button>
                )}
                <Button href={`#/reports?execution=${encodeURIComponent(e.id)}`} iconName="file" data-testid="execution-report">
                  Report
                </Button>
              </SpaceBetween>
            }
          >
            {executionLabel(e.kind, e.direction)}: {e.plan}
          </Header>
        }
      >
        <SpaceBetween size="l">
          {e.native && (
            <Alert type="info" header={e.native.drsDone ? "Run by DRS; cleaned up by the app" : "Run by DRS"} data-testid="native-run">
              DRS runs this {e.kind} from its recovery plan ({e.native.planArn}; run {e.native.executionArn}),{" "}
              {e.native.startedByApp ? "started from this app" : "started in the DRS console"}. The app follows it step by step
              {e.kind === "drill" ? " and cleans up this run's own instances once DRS has finished" : ""}; to stop it, cancel it in the DRS console.
            </Alert>
          )}
          <Container data-testid="execution-summary">
            <SpaceBetween size="s">
              <div className="summary-line">{summaryLine(e, now)}</div>
              <ExecutionStatusIndicator status={e.status} />
              <ColumnLayout columns={3} variant="text-grid">
                <div data-testid="recovery-time">
                  <Box variant="awsui-key-label">{reprotect ? "Initial sync" : "Recovery time"}</Box>
                  {reprotect ? (detail?.rto?.measuredSeconds != null ? `every server in sync after ${clock(detail.rto.measuredSeconds)}` : "in progress") : recoveryTime(detail?.rto)}
                </div>
                <div data-testid="driver">
                  <Box variant="awsui-key-label">Driven by</Box>
                  {final ? "— (ended)" : driverText(driver, drivenHere)}
                </div>
                <div data-testid="identities">
                  <Box variant="awsui-key-label">Acting as</Box>
                  {identities.length ? identities.map(([t, arn]) => <div key={t}>{`${arn} (${t})`}</div>) : "unknown"}
                </div>
              </ColumnLayout>
              <ProgressBar value={c.total ? ((c.launched + c.failed) / c.total) * 100 : 0} description={reprotect ? `${c.launching} syncing` : `${c.launching} launching`} />
            </SpaceBetween>
          </Container>
          {waiting.map((w) => (
            <Alert
              key={w.name}
              type="warning"
              header={`Wave "${w.name}" waits for an approval`}
              action={
                <Button variant="primary" onClick={() => void request("approve", w.name)} loading={busy === "approve" + w.name} data-testid={`approve-${w.name}`}>
                  Approve
                </Button>
              }
            >
              {w.servers.length} servers launch when it is approved.
            </Alert>
          ))}
          {waitingSteps.map(({ wave, step }) => (
            <Alert
              key={`${wave}/${step.name}`}
              type={step.asking ? "error" : "warning"}
              header={step.asking ? `Wave "${wave}": step "${step.name}" failed — go on?` : `Wave "${wave}": confirm "${step.name}"`}
              data-testid={`step-waiting-${step.name}`}
              action={
                <Button variant="primary" onClick={() => void confirm(wave, step.name)} loading={busy === `step:${wave}/${step.name}`} data-testid={`confirm-step-${step.name}`}>
                  {step.asking ? "Go on with the plan" : "Confirm done"}
                </Button>
              }
            >
              {step.asking ? `${step.note ?? "It failed."} Cancel the execution to stop here.` : step.instruction}
              {!step.asking && step.timeoutMinutes ? ` (fails after ${step.timeoutMinutes} min without a confirmation)` : ""}
            </Alert>
          ))}
          {steps.length > 0 && (
            <Container header={<Header variant="h2" description="Before and after each wave's launch, in order: what a person confirmed, what SSM ran, which records changed, which checks passed.">Steps</Header>} data-testid="steps">
              <SpaceBetween size="xs">
                {steps.map(({ wave, step }) => (
                  <div key={`${wave}/${step.name}`} data-testid={`step-${step.name}`}>
                    <StatusIndicator type={STEP_STATUS[step.status]}>
                      {`${wave} · ${step.phase === "before" ? "before launch" : "after launch"} · ${STEP_KIND_LABEL[step.kind] ?? step.kind} · ${step.name}: ${step.status}`}
                      {step.confirmedBy ? ` — confirmed by ${step.confirmedBy}${step.endedAt ? ` at ${formatTime(step.endedAt)}` : ""}` : ""}
                      {step.note ? ` — ${step.note}` : ""}
                      {step.tries ? ` (${step.tries} ${step.tries === 1 ? "try" : "tries"})` : ""}
                    </StatusIndicator>
                    {step.output && (
                      <ExpandableSection headerText="Output" variant="footer" data-testid={`step-output-${step.name}`}>
                        <pre className="step-output">{step.output}</pre>
                      </ExpandableSection>
                    )}
                  </div>
                ))}
              </SpaceBetween>
            </Container>
          )}
          {e.cleanup.status === "awaitingConfirmation" && (
            <Alert
              type="warning"
              header="Pending cleanup"
              action={
                <Button onClick={() => void request("cleanup")} loading={busy === "cleanup"}>
                  Clean up now
                </Button>
              }
            >
              The drill's recovery instances are still running. Cleanup terminates exactly these and checks they are gone.
            </Alert>
          )}
          {orphaned && (
            <Alert
              type="warning"
              header={driver?.state === "stale" ? "Its driver has stopped" : "No process drives this execution"}
              action={
                <Button onClick={() => setResuming(true)} data-testid="resume-here">
                  {driver?.state === "stale" ? "Take over…" : "Resume here…"}
                </Button>
              }
            >
              {driver?.state === "stale"
                ? `${driver.owner} has not renewed its lease for ${clock(driver.secondsSinceHeartbeat)}: its process died or was stopped. Jobs already started go on in AWS.`
                : "Its process ended (a crash, a kill, Ctrl-C). Jobs already started go on in AWS; nothing new happens until it is resumed."}
            </Alert>
          )}
          {retrying.length > 0 && (
            <Alert
              type={stuck ? "warning" : "info"}
              header="Retrying"
              data-testid="retries"
              action={
                stuck ? (
                  <Button onClick={() => void request("abandon")} loading={busy === "abandon"} data-testid="abandon">
                    Stop retrying
                  </Button>
                ) : undefined
              }
            >
              {retrying.map(([what, why]) => (
                <div key={what}>
                  {what}: {why}
                </div>
              ))}
              {stuck && <div>The cleanup goes on until it is verified; stop retrying only to leave what is left as it is (it is listed).</div>}
            </Alert>
          )}
          {resuming && (
            <ResumeModal
              e={e}
              driver={driver}
              onClose={() => setResuming(false)}
              onDone={() => {
                setResuming(false);
                notify("success", "Resumed here from the journal.");
                void load();
              }}
            />
          )}
          <Table
            header={<Header variant="h2">Waves</Header>}
            items={e.waves}
            columnDefinitions={[
              { id: "name", header: "Wave", cell: (w) => w.name },
              { id: "status", header: "Status", cell: (w) => <ExecutionStatusIndicator status={w.status} /> },
              { id: "servers", header: reprotect ? "In sync" : "Launched", cell: (w) => `${w.servers.filter((s) => s.status === "launched").length}/${w.servers.length}` },
              { id: "elapsed", header: "Elapsed (wave RTO)", cell: (w) => waveElapsed(w, now) },
              { id: "timeout", header: "Timeout", cell: (w) => (w.timeoutMinutes ? `${w.timeoutMinutes} min` : "—") },
              { id: "approval", header: "Approval", cell: (w) => (w.approvalRequired ? w.approvedBy ?? "required" : "—") },
            ]}
          />
          <Container header={<Header variant="h2" description="Waves and servers over time; the red line is the RTO target.">Timeline</Header>}>
            <Timeline e={e} now={now} />
          </Container>
          <Table
            {...collectionProps}
            data-testid="execution-servers"
            header={<Header variant="h2" counter={`(${servers.length})`}>Servers</Header>}
            items={items}
            wrapLines
            filter={<TextFilter {...filterProps} filteringPlaceholder="Find servers" countText={`${filteredItemsCount ?? 0} matches`} />}
            columnDefinitions={[
              { id: "name", header: "Server", cell: (s) => s.name, sortingField: "name" },
              { id: "wave", header: "Wave", cell: (s) => s.wave, sortingField: "wave" },
              { id: "status", header: "Status", cell: (s) => <ExecutionStatusIndicator status={s.status} />, sortingField: "status" },
              ...(e.kind === "reprotect"
                ? [
                    {
                      id: "replication",
                      header: e.direction === "failback" ? "Replicates back as" : "Protected by",
                      cell: (s: (typeof servers)[number]) => <ReversalCell s={s} />,
                    },
                  ]
                : []),
              ...(e.direction === "failback" && e.kind === "recovery"
                ? [{ id: "drain", header: "Way back", cell: (s: (typeof servers)[number]) => drainText(s) }]
                : []),
              { id: "ri", header: "Recovery instance", cell: (s) => s.recoveryInstanceId ?? "—" },
              { id: "ec2", header: "EC2 instance", cell: (s) => s.ec2InstanceId ?? "—" },
              { id: "launched", header: reprotect ? "In sync since" : "Launched", cell: (s) => (s.status === "launched" && s.endedAt ? formatTime(s.endedAt) : "—") },
              {
                id: "rto",
                header: "Recovery time",
                cell: (s) => (s.status === "launched" && s.startedAt && s.endedAt ? clock((ms(s.endedAt) - ms(s.startedAt)) / 1000) : "—"),
              },
              {
                id: "actions",
                header: "Post-launch actions",
                cell: (s) => {
                  const actions = s.actions ?? [];
                  if (!actions.length) return "—";
                  const done = actions.filter((a) => a.status === "SUCCEEDED").length;
                  const pending = actions.filter((a) => !a.optional && a.status !== "SUCCEEDED" && a.status !== "FAILED").length;
                  if (s.status === "launched" && pending) return <StatusIndicator type="in-progress">{`${done}/${actions.length} succeeded, running`}</StatusIndicator>;
                  return `${done}/${actions.length} succeeded`;
                },
              },
              { id: "failure", header: "Failure", cell: (s) => s.failure ?? "" },
            ]}
          />
          {e.kind === "drill" && (
            <Container header={<Header variant="h2">Cleanup</Header>} data-testid="cleanup-proof">
              <ColumnLayout columns={3} variant="text-grid">
                <div>
                  <Box variant="awsui-key-label">Status</Box>
                  <StatusIndicator type={e.cleanup.status === "verified" ? "success" : e.cleanup.status === "failed" ? "error" : "pending"}>{e.cleanup.status}</StatusIndicator>
                </div>
                <div>
                  <Box variant="awsui-key-label">Terminate jobs</Box>
                  {e.cleanup.jobs.length ? e.cleanup.jobs.map(([t, j]) => <div key={j}>{`${j} (${t})`}</div>) : "—"}
                </div>
                <div>
                  <Box variant="awsui-key-label">Left after cleanup</Box>
                  {e.cleanup.remaining.length ? e.cleanup.remaining.join(", ") : final ? "none" : "—"}
                </div>
              </ColumnLayout>
              {e.cleanup.message && <Box margin={{ top: "s" }}>{e.cleanup.message}</Box>}
              {(e.cleanup.items ?? []).some((i) => i.action === "stopAndDisconnect") && (
                <Box margin={{ top: "s" }} data-testid="cleanup-kept">
                  Stopped and disconnected, never terminated:{" "}
                  {(e.cleanup.items ?? [])
                    .filter((i) => i.action === "stopAndDisconnect")
                    .map((i) => `${i.ec2InstanceId ?? i.recoveryInstanceId} (${i.keptBecause ?? "kept"})`)
                    .join(", ")}
                </Box>
              )}
            </Container>
          )}
          <ExpandableSection headerText={`Events (${detail?.events.length ?? 0})`}>
            {(detail?.events ?? []).map((ev, i) => (
              <div key={i}>
                <code>{formatTime(ev.at)}</code> {ev.event}
              </div>
            ))}
          </ExpandableSection>
        </SpaceBetween>
      </ContentLayout>
    </div>
  );
}
