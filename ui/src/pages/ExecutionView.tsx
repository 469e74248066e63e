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
import type { BackendError, Execution, ExecutionDetail, ServerRun, WaveRun } from "../types";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { formatTime } from "./format";
import "./execution-view.css";

const FINAL = ["completed", "failed", "cancelled"];

/** `mm:ss` or `h:mm:ss`. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

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

/** The one line stakeholders read: kind, plan, status, progress, elapsed against the RTO. */
export function summaryLine(e: Execution, now: number): string {
  const c = counts(e);
  const end = FINAL.includes(e.status) && e.endedAt ? ms(e.endedAt) : now;
  const elapsed = (end - ms(e.startedAt)) / 1000;
  const rto = e.rtoTargetMinutes ? ` of ${e.rtoTargetMinutes} min RTO` : "";
  return `${e.kind === "drill" ? "Drill" : "Recovery"} of ${e.plan} · ${c.launched}/${c.total} launched · ${c.failed} failed · ${clock(elapsed)} elapsed${rto}`;
}

const barClass = (status: string) => `bar bar-${status}`;

/** A Gantt of waves and their servers, laid out on the execution's time span. */
function Timeline({ e, now }: { e: Execution; now: number }) {
  const t0 = ms(e.startedAt);
  const ends = e.waves.flatMap((w) => [ms(w.endedAt), ...w.servers.map((s) => ms(s.endedAt))]).filter((x) => !Number.isNaN(x));
  const t1 = Math.max(FINAL.includes(e.status) && e.endedAt ? ms(e.endedAt) : now, ...ends, t0 + 1000);
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
  return clock((end - ms(w.startedAt)) / 1000);
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

  const request = async (what: "pause" | "resume" | "cancel" | "approve" | "cleanup", wave?: string) => {
    setBusy(what + (wave ?? ""));
    try {
      await backend.requestExecution(e.id, what, wave);
      notify("success", what === "approve" ? `Wave "${wave}" approved.` : `Asked to ${what === "cleanup" ? "clean up" : what}.`);
    } catch (err) {
      notify("error", toBackendError(err).message);
    } finally {
      setBusy(null);
    }
  };

  const c = counts(e);
  const final = FINAL.includes(e.status);
  const waiting = e.waves.filter((w) => w.status === "waitingApproval");
  const orphaned = detail && !detail.driving && !final && !live;

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
                {!final && e.status !== "paused" && (
                  <Button onClick={() => void request("pause")} loading={busy === "pause"}>
                    Pause
                  </Button>
                )}
                {e.status === "paused" && (
                  <Button onClick={() => void request("resume")} loading={busy === "resume"}>
                    Resume
                  </Button>
                )}
                {!final && (
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
            {e.kind === "drill" ? "Drill" : "Recovery"}: {e.plan}
          </Header>
        }
      >
        <SpaceBetween size="l">
          <Container data-testid="execution-summary">
            <SpaceBetween size="s">
              <div className="summary-line">{summaryLine(e, now)}</div>
              <ExecutionStatusIndicator status={e.status} />
              <ProgressBar value={c.total ? ((c.launched + c.failed) / c.total) * 100 : 0} description={`${c.launching} launching`} />
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
            <Alert type="info" header="Not running in this window" action={<Button onClick={() => backend.resumeExecution(e.id).then(() => load())}>Resume here</Button>}>
              No engine drives this execution in this app (it may run in a terminal, or its process ended). Resume it here to go on from its journal.
            </Alert>
          )}
          <Table
            header={<Header variant="h2">Waves</Header>}
            items={e.waves}
            columnDefinitions={[
              { id: "name", header: "Wave", cell: (w) => w.name },
              { id: "status", header: "Status", cell: (w) => <ExecutionStatusIndicator status={w.status} /> },
              { id: "servers", header: "Launched", cell: (w) => `${w.servers.filter((s) => s.status === "launched").length}/${w.servers.length}` },
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
              { id: "ri", header: "Recovery instance", cell: (s) => s.recoveryInstanceId ?? "—" },
              { id: "ec2", header: "EC2 instance", cell: (s) => s.ec2InstanceId ?? "—" },
              { id: "launched", header: "Launched", cell: (s) => (s.status === "launched" && s.endedAt ? formatTime(s.endedAt) : "—") },
              {
                id: "rto",
                header: "Recovery time",
                cell: (s) => (s.status === "launched" && s.startedAt && s.endedAt ? clock((ms(s.endedAt) - ms(s.startedAt)) / 1000) : "—"),
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
