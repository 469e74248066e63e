import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Link from "@cloudscape-design/components/link";
import Modal from "@cloudscape-design/components/modal";
import RadioGroup from "@cloudscape-design/components/radio-group";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Toggle from "@cloudscape-design/components/toggle";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { FailbackCleanup, FailbackReadiness, Lifecycle, OriginalChoice, Phase } from "../types";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { formatTime } from "./format";

/** The phases a plan goes through after a disaster, in order, with how each reads. */
export const PHASES: [Phase, string][] = [
  ["recovered", "Recovered"],
  ["reprotecting", "Reprotecting"],
  ["readyToFailBack", "Ready to fail back"],
  ["failedBack", "Failed back"],
  ["protectedAgain", "Protected again"],
  ["protected", "Back to normal"],
];

const ORDER: Record<Phase, number> = {
  protected: -1,
  recovering: 0,
  recovered: 0,
  reprotecting: 1,
  readyToFailBack: 2,
  failingBack: 3,
  failedBack: 3,
  protectingAgain: 4,
  protectedAgain: 4,
};

/** Where one phase of the strip stands against the plan's phase. */
export function phaseState(l: Lifecycle, phase: Phase, index: number): StatusIndicatorProps.Type {
  if (l.phase === "protected") return l.steps.length && l.cleanedUpAt ? "success" : index === PHASES.length - 1 ? "success" : "pending";
  const at = ORDER[l.phase];
  const running = ["recovering", "reprotecting", "failingBack", "protectingAgain"].includes(l.phase);
  if (index < at || (index === at && !running && phase === l.phase)) return "success";
  if (index === at) return "in-progress";
  return "pending";
}

const ORIGINALS: { value: OriginalChoice; label: string; description: string }[] = [
  { value: "require", label: "As they are", description: "Running or untagged original instances are blockers until someone stops and tags them." },
  { value: "prepare", label: "Prepare them", description: "The failback tags each original AWSDRS and stops it right before its wave launches into it." },
  { value: "newInstance", label: "New instances", description: "Launch new instances instead (new instance IDs and private IPs)." },
];

/** A plan's way home after a real recovery: where it is, what ran, what to do next. */
export function LifecyclePage() {
  const { name = "" } = useParams();
  const navigate = useNavigate();
  const { notify } = useFlash();
  const life = useLoad(() => backend.lifecycle(name), [name]);
  const [originals, setOriginals] = useState<OriginalChoice>("require");
  const [check, setCheck] = useState<FailbackReadiness>();
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const [startError, setStartError] = useState<string>();
  const [cleanup, setCleanup] = useState<FailbackCleanup>();
  const [keep, setKeep] = useState(false);

  const runCheck = async (choice = originals) => {
    setChecking(true);
    setCheckError(undefined);
    try {
      setCheck(await backend.failbackCheck(name, choice));
    } catch (e) {
      setCheckError(toBackendError(e).message);
    } finally {
      setChecking(false);
    }
  };

  const started = (id: string) => navigate(`/executions/${id}`);
  const reprotect = async () => {
    setBusy("reprotect");
    try {
      started(await backend.startReprotect(name, () => {}));
    } catch (e) {
      notify("error", toBackendError(e).message, "Reprotect not started");
    } finally {
      setBusy(undefined);
    }
  };
  const failback = async (drill: boolean) => {
    setBusy(drill ? "drill" : "failback");
    setStartError(undefined);
    try {
      started(await backend.startFailback(name, { drill, originals, overrideReadiness: false, confirm: drill ? undefined : typed }, () => {}));
    } catch (e) {
      if (drill) notify("error", toBackendError(e).message, "Failback drill not started");
      else setStartError(toBackendError(e).message);
    } finally {
      setBusy(undefined);
    }
  };
  const listCleanup = async () => {
    setBusy("cleanup");
    try {
      setCleanup(await backend.failbackCleanup(name, keep));
      setTyped("");
    } catch (e) {
      notify("error", toBackendError(e).message, "Cannot list the cleanup");
    } finally {
      setBusy(undefined);
    }
  };
  const doCleanup = async () => {
    setBusy("cleanupDo");
    try {
      const done = await backend.failbackCleanup(name, keep, typed);
      setCleanup(undefined);
      notify(done.done ? "success" : "warning", done.results.join(" · "), done.done ? "Back to normal" : "Cleanup incomplete");
      void life.reload();
    } catch (e) {
      notify("error", toBackendError(e).message, "Cleanup not done");
    } finally {
      setBusy(undefined);
    }
  };

  const report = async () => {
    setBusy("report");
    try {
      const made = await backend.failbackReport(name, "pdf");
      const path = await backend.saveReport(made.token);
      if (path) notify("success", `Saved to ${path} (${Math.ceil(made.preview.bytes / 1024)} KiB).`, made.preview.title);
    } catch (e) {
      notify("error", toBackendError(e).message, "Failback report not made");
    } finally {
      setBusy(undefined);
    }
  };

  if (life.error) return <ErrorState error={life.error} onRetry={life.reload} />;
  const l = life.data;
  const phase = l?.phase;
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="After a real recovery: replicate back, rehearse and run the failback, protect the plan again, clean up."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="file" onClick={() => void report()} loading={busy === "report"} data-testid="failback-report">
                Failback report
              </Button>
              <Button iconName="refresh" onClick={() => void life.reload()} loading={life.loading}>
                Refresh
              </Button>
            </SpaceBetween>
          }
        >
          Way home: {name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container
          data-testid="lifecycle"
          header={
            <Header variant="h2" description={l ? `Next: ${l.next}` : undefined}>
              {l ? `Where the plan is: ${phaseWords(l.phase)}` : "Loading…"}
            </Header>
          }
        >
          {life.loading && !l ? (
            <StatusIndicator type="loading">Reading the plan's executions</StatusIndicator>
          ) : l && l.steps.length === 0 ? (
            <Box data-testid="lifecycle-empty" color="text-body-secondary">
              No real recovery of this plan has run: it is protected towards the recovery region. This page follows it home after a recovery.
            </Box>
          ) : l ? (
            <ColumnLayout columns={PHASES.length} variant="text-grid">
              {PHASES.map(([p, label], i) => (
                <div key={p} data-testid={`phase-${p}`}>
                  <StatusIndicator type={phaseState(l, p, i)}>{label}</StatusIndicator>
                </div>
              ))}
            </ColumnLayout>
          ) : null}
        </Container>
        {l && l.steps.length > 0 && (
          <Table
            data-testid="lifecycle-executions"
            header={<Header variant="h2">Executions of each phase</Header>}
            items={l.steps}
            columnDefinitions={[
              { id: "phase", header: "Phase", cell: (s) => s.phase.charAt(0).toUpperCase() + s.phase.slice(1) },
              {
                id: "execution",
                header: "Execution",
                cell: (s) => (
                  <Link href={`#/executions/${s.execution}`} onFollow={(ev) => (ev.preventDefault(), navigate(`/executions/${s.execution}`))}>
                    {s.execution}
                  </Link>
                ),
              },
              { id: "status", header: "Status", cell: (s) => <ExecutionStatusIndicator status={s.status} /> },
              { id: "started", header: "Started", cell: (s) => formatTime(s.startedAt) },
              { id: "ended", header: "Ended", cell: (s) => (s.endedAt ? formatTime(s.endedAt) : "—") },
            ]}
          />
        )}
        {(phase === "recovered" || phase === "failedBack") && (
          <Container header={<Header variant="h2">{phase === "recovered" ? "Replicate back to the origin region" : "Protect the plan again"}</Header>}>
            <SpaceBetween size="s">
              <Box>
                {phase === "recovered"
                  ? "Starts reversed replication of every recovery instance: a failback source server appears in the origin region for each and syncs. Nothing is launched."
                  : "Starts replication from the failed-back instances to the recovery region again: the plan's source servers protect them."}
              </Box>
              <Button variant="primary" onClick={() => void reprotect()} loading={busy === "reprotect"} data-testid="start-reprotect">
                {phase === "recovered" ? "Reprotect" : "Protect again"}
              </Button>
            </SpaceBetween>
          </Container>
        )}
        {phase === "readyToFailBack" && (
          <Container header={<Header variant="h2" description="Each server's way back: its failback source server in sync, its original instance fit to be launched into.">Failback</Header>}>
            <SpaceBetween size="m">
              <FormField label="Original instances that are running or untagged">
                <RadioGroup
                  value={originals}
                  onChange={(e) => {
                    setOriginals(e.detail.value as OriginalChoice);
                    if (check) void runCheck(e.detail.value as OriginalChoice);
                  }}
                  items={ORIGINALS}
                />
              </FormField>
              <SpaceBetween direction="horizontal" size="xs">
                <Button onClick={() => void runCheck()} loading={checking} data-testid="failback-check">
                  Check failback readiness
                </Button>
                <Button onClick={() => void failback(true)} loading={busy === "drill"} data-testid="failback-drill">
                  Failback drill
                </Button>
                <Button variant="primary" onClick={() => (setTyped(""), setStartError(undefined), setConfirming(true))} data-testid="failback-start">
                  Fail back…
                </Button>
              </SpaceBetween>
              {checkError && <Alert type="error" header="Readiness not checked">{checkError}</Alert>}
              {check && <FailbackCheck r={check} />}
            </SpaceBetween>
          </Container>
        )}
        {phase === "protectedAgain" && (
          <Container header={<Header variant="h2">Back to normal</Header>}>
            <SpaceBetween size="s">
              <Box>The failback source servers still replicate and the old recovery instances still exist. List what the cleanup does, then confirm it.</Box>
              <Toggle checked={keep} onChange={(e) => setKeep(e.detail.checked)}>
                Keep the old recovery instances (disconnected from DRS) instead of terminating them
              </Toggle>
              <Button onClick={() => void listCleanup()} loading={busy === "cleanup"} data-testid="cleanup-list">
                Clean up…
              </Button>
            </SpaceBetween>
          </Container>
        )}
      </SpaceBetween>
      <Modal
        visible={confirming}
        onDismiss={() => setConfirming(false)}
        header={`Fail back plan "${name}"`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button variant="primary" disabled={typed !== name} loading={busy === "failback"} onClick={() => void failback(false)} data-testid="failback-confirm">
                Fail back
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        <SpaceBetween size="m">
          {startError && (
            <Alert type="error" header="Not started" data-testid="failback-error">
              <span style={{ whiteSpace: "pre-wrap" }}>{startError}</span>
            </Alert>
          )}
          <Box>
            Each wave first stops its recovery instances in the recovery region, waits until their last writes replicated, then launches the failback source servers into their original
            instances in the origin region. Originals: {ORIGINALS.find((o) => o.value === originals)?.label.toLowerCase()}.
          </Box>
          <FormField label={`Type the plan's name (${name}) to confirm the failback`}>
            <Input value={typed} onChange={(e) => setTyped(e.detail.value)} data-testid="failback-typed" />
          </FormField>
        </SpaceBetween>
      </Modal>
      <Modal
        visible={!!cleanup}
        onDismiss={() => setCleanup(undefined)}
        header="Clean up the failback's leftovers"
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setCleanup(undefined)}>
                Cancel
              </Button>
              <Button variant="primary" disabled={typed !== name} loading={busy === "cleanupDo"} onClick={() => void doCleanup()} data-testid="cleanup-confirm">
                Clean up
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        {cleanup && (
          <SpaceBetween size="s">
            <Box data-testid="cleanup-listing">
              Stop replication of {cleanup.stopReplication.length} failback source server(s); terminate {cleanup.terminate.length} old recovery instance(s); keep {cleanup.keep.length} (disconnected
              from DRS).
            </Box>
            {cleanup.keep.map((k) => (
              <Box key={k.id} variant="small">
                {k.server}: {k.id} kept — {k.why}
              </Box>
            ))}
            <FormField label={`Type the plan's name (${name}) to do it`}>
              <Input value={typed} onChange={(e) => setTyped(e.detail.value)} data-testid="cleanup-typed" />
            </FormField>
          </SpaceBetween>
        )}
      </Modal>
    </ContentLayout>
  );
}

function phaseWords(p: Phase): string {
  const words: Record<Phase, string> = {
    protected: "protected",
    recovering: "recovering",
    recovered: "recovered, running in the recovery region",
    reprotecting: "replicating back to the origin region",
    readyToFailBack: "ready to fail back",
    failingBack: "failing back",
    failedBack: "failed back, not yet protected again",
    protectingAgain: "being protected again",
    protectedAgain: "protected again; leftovers to clean up",
  };
  return words[p];
}

const SHOWN_FINDINGS = 10;

/** Failback readiness: servers and findings. */
export function FailbackCheck({ r }: { r: FailbackReadiness }) {
  return (
    <SpaceBetween size="s">
      <StatusIndicator type={r.ready ? "success" : "error"} data-testid="failback-verdict">
        {r.ready ? "Ready to fail back" : `Not ready: ${r.blockers} blocker(s)`}
        {r.warnings ? `, ${r.warnings} warning(s)` : ""}
      </StatusIndicator>
      <Table
        data-testid="failback-servers"
        variant="embedded"
        items={r.servers}
        wrapLines
        columnDefinitions={[
          { id: "wave", header: "Wave", cell: (s) => s.wave },
          { id: "name", header: "Server", cell: (s) => s.name },
          {
            id: "replication",
            header: "Replicating back",
            cell: (s) =>
              s.replicationState === "CONTINUOUS" ? (
                <StatusIndicator type="success">{`${s.failbackSourceServerId} · lag ${s.lagSeconds ?? 0} s`}</StatusIndicator>
              ) : s.failbackSourceServerId ? (
                <StatusIndicator type="in-progress">{`${s.replicationState ?? "starting"}${s.syncPercent != null ? ` ${s.syncPercent}%` : ""}`}</StatusIndicator>
              ) : (
                <StatusIndicator type="error">not replicating back</StatusIndicator>
              ),
          },
          { id: "original", header: "Original instance", cell: (s) => (s.originalInstanceId ? `${s.originalInstanceId} (${s.originalState})` : "—") },
          {
            id: "launch",
            header: "Launch",
            cell: (s) => (s.originalUse === "newInstance" ? "new instance" : s.originalUse === "prepareThenLaunchInto" ? "prepare, then into original" : "into original"),
          },
          { id: "ready", header: "Ready", cell: (s) => <StatusIndicator type={s.ready ? "success" : "error"}>{s.ready ? "yes" : "no"}</StatusIndicator> },
        ]}
      />
      {r.findings.slice(0, SHOWN_FINDINGS).map((f, i) => (
        <Alert key={i} type={f.severity === "blocker" ? "error" : "warning"} header={`${f.serverName ?? ""}: ${f.check}`}>
          {f.message}
          {f.remediation && <Box variant="small">→ {f.remediation}</Box>}
        </Alert>
      ))}
      {r.findings.length > SHOWN_FINDINGS && (
        <Box color="text-body-secondary">
          and {r.findings.length - SHOWN_FINDINGS} more finding(s) (drs-orchestrator failback --plan {r.plan} --check lists them all)
        </Box>
      )}
    </SpaceBetween>
  );
}
