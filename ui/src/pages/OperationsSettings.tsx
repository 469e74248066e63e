import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Toggle from "@cloudscape-design/components/toggle";
import { useState } from "react";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { BackendError, TargetSync, Thresholds } from "../types";
import { formatTime } from "./format";

const minutes = (s: number) => Math.round(s / 60);

/** Each target's replication thresholds: readiness and the health monitor use them. */
export function ThresholdsPanel() {
  const data = useLoad(() => backend.thresholds());
  const { notify } = useFlash();
  const [editing, setEditing] = useState<{ target: string; warn: string; crit: string; silence: string } | null>(null);
  const [error, setError] = useState<BackendError>();
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading what="thresholds" />;
  const field = (path: string) => error?.problems?.find((p) => p.path === path)?.message;
  const save = async () => {
    if (!editing) return;
    const t: Thresholds = {
      maxLagSeconds: Number(editing.warn) * 60,
      criticalLagSeconds: Number(editing.crit) * 60,
      maxAgentSilenceSeconds: Number(editing.silence) * 60,
    };
    if ([editing.warn, editing.crit, editing.silence].some((v) => !/^\d+$/.test(v.trim()))) {
      setError({ code: "invalid", message: "Give whole minutes." });
      return;
    }
    try {
      await backend.setThresholds(editing.target, t);
      notify("success", `Thresholds of ${editing.target} saved.`);
      setEditing(null);
      setError(undefined);
      await data.reload();
    } catch (e) {
      setError(toBackendError(e));
    }
  };
  return (
    <>
      <Table
        data-testid="thresholds"
        items={Object.entries(data.data).map(([target, t]) => ({ target, ...t }))}
        header={<Header variant="h2" description="Used by readiness checks, the Dashboard and desktop notifications.">Replication thresholds</Header>}
        columnDefinitions={[
          { id: "target", header: "Target", cell: (r) => r.target },
          { id: "warn", header: "Lag warning", cell: (r) => `${minutes(r.maxLagSeconds)} min` },
          { id: "crit", header: "Lag critical", cell: (r) => `${minutes(r.criticalLagSeconds)} min` },
          { id: "silence", header: "Agent silent", cell: (r) => `${minutes(r.maxAgentSilenceSeconds)} min` },
          {
            id: "edit",
            header: "",
            cell: (r) => (
              <Button
                variant="inline-link"
                onClick={() =>
                  setEditing({ target: r.target, warn: String(minutes(r.maxLagSeconds)), crit: String(minutes(r.criticalLagSeconds)), silence: String(minutes(r.maxAgentSilenceSeconds)) })
                }
              >
                Edit
              </Button>
            ),
          },
        ]}
      />
      <Modal
        visible={!!editing}
        onDismiss={() => setEditing(null)}
        header={`Thresholds of ${editing?.target}`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setEditing(null)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={() => void save()} data-testid="save-thresholds">
                Save
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        {editing && (
          <SpaceBetween size="m">
            {error && !error.problems?.length && <StatusIndicator type="error">{error.message}</StatusIndicator>}
            <ColumnLayout columns={3}>
              <FormField label="Lag warning (min)" errorText={field("maxLagSeconds")}>
                <Input value={editing.warn} inputMode="numeric" onChange={(e) => setEditing({ ...editing, warn: e.detail.value })} />
              </FormField>
              <FormField label="Lag critical (min)" errorText={field("criticalLagSeconds")}>
                <Input value={editing.crit} inputMode="numeric" onChange={(e) => setEditing({ ...editing, crit: e.detail.value })} />
              </FormField>
              <FormField label="Agent silent (min)" errorText={field("maxAgentSilenceSeconds")}>
                <Input value={editing.silence} inputMode="numeric" onChange={(e) => setEditing({ ...editing, silence: e.detail.value })} />
              </FormField>
            </ColumnLayout>
          </SpaceBetween>
        )}
      </Modal>
    </>
  );
}

/** EC2 → DRS tag sync: a dry-run diff, syncing now, and the schedule while the app runs. */
export function TagSyncPanel() {
  const schedule = useLoad(() => backend.tagSchedule());
  const { notify } = useFlash();
  const [result, setResult] = useState<{ dryRun: boolean; syncs: TargetSync[] }>();
  const [busy, setBusy] = useState<"dry" | "sync" | "schedule" | null>(null);
  const [hours, setHours] = useState<string>();
  const [enabled, setEnabled] = useState<boolean>();
  const [error, setError] = useState<BackendError>();
  if (schedule.error) return <ErrorState error={schedule.error} onRetry={schedule.reload} />;
  if (!schedule.data) return <Loading what="the tag sync schedule" />;
  const current = schedule.data.schedule ?? { enabled: false, intervalHours: 6 };
  const shownHours = hours ?? String(current.intervalHours);
  const shownEnabled = enabled ?? current.enabled;
  const run = async (dryRun: boolean) => {
    setBusy(dryRun ? "dry" : "sync");
    setError(undefined);
    try {
      const syncs = await backend.syncTags(null, dryRun);
      setResult({ dryRun, syncs });
      if (!dryRun) notify("success", `${syncs.reduce((n, s) => n + s.written, 0)} source server(s) tagged.`, "Tags synced");
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(null);
    }
  };
  const saveSchedule = async () => {
    setBusy("schedule");
    setError(undefined);
    try {
      await backend.setTagSchedule({ enabled: shownEnabled, intervalHours: Number(shownHours) });
      notify("success", shownEnabled ? `Tags sync every ${shownHours} h while the app runs.` : "Scheduled tag sync is off.", "Schedule saved");
      await schedule.reload();
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(null);
    }
  };
  const rows = (result?.syncs ?? []).flatMap((s) =>
    s.plan.servers.flatMap((x) => [
      ...Object.entries(x.add).map(([k, v]) => ({ key: `${x.sourceServerId}-${k}`, server: x.name, tag: k, now: "—", ec2: v })),
      ...x.change.map((c) => ({ key: `${x.sourceServerId}-${c.key}`, server: x.name, tag: c.key, now: c.before, ec2: c.after })),
    ]),
  );
  return (
    <Container
      data-testid="tag-sync"
      header={
        <Header
          variant="h2"
          description="Copies each source server's EC2 instance tags onto the DRS source server (new tags and changed values; tags only on DRS are kept)."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => void run(true)} loading={busy === "dry"} data-testid="tags-dry-run">
                Show what would change
              </Button>
              <Button onClick={() => void run(false)} loading={busy === "sync"} data-testid="tags-sync-now">
                Sync now
              </Button>
            </SpaceBetween>
          }
        >
          EC2 → DRS tag sync
        </Header>
      }
    >
      <SpaceBetween size="m">
        {error && <ErrorState error={error} />}
        <ColumnLayout columns={3}>
          <Toggle checked={shownEnabled} onChange={(e) => setEnabled(e.detail.checked)}>
            Sync on a schedule while the app runs
          </Toggle>
          <FormField label="Every (hours, 1–24)" errorText={error?.problems?.find((p) => p.path === "intervalHours")?.message}>
            <Input value={shownHours} inputMode="numeric" onChange={(e) => setHours(e.detail.value)} />
          </FormField>
          <SpaceBetween size="xs">
            <Button onClick={() => void saveSchedule()} loading={busy === "schedule"}>
              Save schedule
            </Button>
            <Box variant="small">
              {schedule.data.lastRun
                ? `Last run ${formatTime(schedule.data.lastRun.at)}: ${schedule.data.lastRun.written} tagged${schedule.data.lastRun.errors.length ? `, ${schedule.data.lastRun.errors.length} problem(s)` : ""}`
                : "Never run on a schedule"}
            </Box>
          </SpaceBetween>
        </ColumnLayout>
        {result && (
          <Table
            variant="embedded"
            data-testid="tag-diff"
            items={rows}
            header={
              <Header variant="h3" counter={`(${rows.length})`}>
                {result.dryRun ? "Would change (nothing written)" : "Written"}
              </Header>
            }
            empty={<Box textAlign="center">Every source server already has its instance&apos;s tags</Box>}
            columnDefinitions={[
              { id: "server", header: "Server", cell: (r) => r.server },
              { id: "tag", header: "Tag", cell: (r) => r.tag },
              { id: "now", header: "On DRS now", cell: (r) => r.now },
              { id: "ec2", header: "On EC2", cell: (r) => r.ec2 },
            ]}
          />
        )}
      </SpaceBetween>
    </Container>
  );
}
