import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Form from "@cloudscape-design/components/form";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import Multiselect from "@cloudscape-design/components/multiselect";
import Pagination from "@cloudscape-design/components/pagination";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Tabs from "@cloudscape-design/components/tabs";
import TextFilter from "@cloudscape-design/components/text-filter";
import Toggle from "@cloudscape-design/components/toggle";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { EmptyState, ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import { DeliveriesTable, DeliveryFields } from "../components/Delivery";
import type { BackendError, MadeReport, ReportFormat, ReportSchedule, ReportSummary } from "../types";
import { clock } from "./ExecutionView";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { formatTime } from "./format";


const FORMATS = [
  { id: "pdf", text: "PDF" },
  { id: "csv", text: "CSV (server table)" },
];

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** What a report says, shown before it is saved. */
export function ReportPreviewPanel({ made, onSave, saving }: { made: MadeReport; onSave: () => void; saving: boolean }) {
  const p = made.preview;
  return (
    <Container
      data-testid="report-preview"
      header={
        <Header
          variant="h2"
          description={`${p.format.toUpperCase()} · ${Math.ceil(p.bytes / 1024)} KiB · ${p.fileName}`}
          actions={
            <Button variant="primary" onClick={onSave} loading={saving} data-testid="report-save">
              Save…
            </Button>
          }
        >
          {p.title}
        </Header>
      }
    >
      <SummaryView summary={p.summary} />
    </Container>
  );
}

function SummaryView({ summary }: { summary: ReportSummary }) {
  if (summary.kind === "failback") {
    return (
      <KeyValuePairs
        columns={3}
        items={[
          { label: "Plan", value: summary.plan },
          { label: "Where it is", value: summary.phase.replace(/([A-Z])/g, " $1").toLowerCase() },
          { label: "Executions", value: String(summary.executions) },
        ]}
      />
    );
  }
  if (summary.kind === "drill") {
    const rto =
      summary.measuredSeconds != null
        ? `${clock(summary.measuredSeconds)}${summary.targetSeconds != null ? ` of ${clock(summary.targetSeconds)} target` : ""}`
        : summary.inProgress
          ? "measured when every server has launched"
          : "not measured (not every server launched)";
    const met = summary.measuredSeconds != null && summary.targetSeconds != null ? summary.measuredSeconds <= summary.targetSeconds : null;
    return (
      <SpaceBetween size="m">
        {summary.inProgress && (
          <Alert type="info" header="In progress" data-testid="report-in-progress">
            This execution is still running; the report shows it as of now and says so on every page.
          </Alert>
        )}
        <KeyValuePairs
          columns={4}
          items={[
            { label: "Status", value: <ExecutionStatusIndicator status={summary.status.replace(/ (\w)/g, (_, c: string) => c.toUpperCase())} /> },
            {
              label: "Measured RTO",
              value: met === null ? rto : <StatusIndicator type={met ? "success" : "error"}>{rto}</StatusIndicator>,
            },
            { label: "Launched", value: `${summary.launched} of ${summary.total}${summary.failed ? ` · ${summary.failed} failed` : ""}` },
            { label: "Cleanup", value: summary.executionKind === "drill" ? summary.cleanup : "not applicable (recovery)" },
          ]}
        />
      </SpaceBetween>
    );
  }
  return (
    <SpaceBetween size="l">
      <Box variant="small">
        Evidence read {formatTime(summary.checkedAt)}
        {summary.identity.length > 0 && ` as ${summary.identity.join(", ")}`}
      </Box>
      {summary.plans.map((p) => (
        <SpaceBetween size="xs" key={p.plan}>
          <Box variant="h3">
            {p.plan}{" "}
            <StatusIndicator type={p.ready ? "success" : "error"}>{p.ready ? "Ready" : "Not ready"}</StatusIndicator>
          </Box>
          <ColumnLayout columns={4} variant="text-grid">
            <KeyValuePairs items={[{ label: "Servers", value: String(p.servers) }]} />
            <KeyValuePairs items={[{ label: "Blocked servers", value: <Box color={p.blockedServers ? "text-status-error" : undefined}>{p.blockedServers}</Box> }]} />
            <KeyValuePairs items={[{ label: "With warnings", value: String(p.warningServers) }]} />
            <KeyValuePairs
              items={[
                {
                  label: "Last drill RTO",
                  value:
                    p.lastDrill == null
                      ? "no drill yet"
                      : p.lastDrillRtoSeconds != null
                        ? `${clock(p.lastDrillRtoSeconds)}${p.rtoTargetSeconds != null ? ` of ${clock(p.rtoTargetSeconds)}` : ""}`
                        : `${p.lastDrill} did not complete`,
                },
              ]}
            />
          </ColumnLayout>
          {p.topBlockers.length > 0 && (
            <Box variant="small" color="text-status-error">
              Blockers first: {p.topBlockers.join(" · ")}
            </Box>
          )}
        </SpaceBetween>
      ))}
    </SpaceBetween>
  );
}

/** Saving a made report through the native dialog, with its flash messages. */
function useSave() {
  const { notify } = useFlash();
  const [saving, setSaving] = useState(false);
  const save = async (made: MadeReport) => {
    setSaving(true);
    try {
      const path = await backend.saveReport(made.token);
      if (path) notify("success", `Saved to ${path}`, made.preview.title);
    } catch (e) {
      notify("error", toBackendError(e).message, "The report was not saved");
    } finally {
      setSaving(false);
    }
  };
  return { save, saving };
}

function ReadinessReportTab() {
  const plans = useLoad(() => backend.plans());
  const [chosen, setChosen] = useState<string[]>([]);
  const [format, setFormat] = useState<ReportFormat>("pdf");
  const [made, setMade] = useState<MadeReport>();
  const [making, setMaking] = useState(false);
  const [error, setError] = useState<BackendError>();
  const { save, saving } = useSave();

  if (plans.loading && !plans.data) return <Loading what="plans" />;
  if (plans.error) return <ErrorState error={plans.error} onRetry={plans.reload} />;
  if (!plans.data?.length)
    return (
      <EmptyState title="No recovery plans">
        A readiness report is about a plan. Create or import one on the Recovery plans page.
      </EmptyState>
    );

  const make = async () => {
    setMaking(true);
    setError(undefined);
    setMade(undefined);
    try {
      setMade(await backend.readinessReport(chosen, format));
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setMaking(false);
    }
  };

  return (
    <SpaceBetween size="l">
      <Container header={<Header variant="h2" description="The plans are checked now (the same check as the Readiness page), then the report is made.">Readiness report</Header>}>
        <Form
          actions={
            <Button variant="primary" onClick={make} loading={making} data-testid="make-readiness-report">
              Make report
            </Button>
          }
        >
          <ColumnLayout columns={2}>
            <FormField label="Plans" description="None chosen: every plan, in one report.">
              <Multiselect
                data-testid="report-plans"
                selectedOptions={chosen.map((p) => ({ value: p, label: p }))}
                onChange={(e) => setChosen(e.detail.selectedOptions.map((o) => o.value ?? ""))}
                options={plans.data.map((p) => ({ value: p.name, label: p.name, description: `${p.waves} waves` }))}
                placeholder="All plans"
                filteringType="auto"
              />
            </FormField>
            <FormField label="Format">
              <SegmentedControl selectedId={format} onChange={(e) => setFormat(e.detail.selectedId as ReportFormat)} options={FORMATS} />
            </FormField>
          </ColumnLayout>
        </Form>
      </Container>
      {making && (
        <Container>
          <ProgressBar label="Checking readiness and laying out the report" description="Reading replication, launch configurations and DR instances from each target" status="in-progress" />
        </Container>
      )}
      {error && <ErrorState error={error} onRetry={make} />}
      {made && <ReportPreviewPanel made={made} onSave={() => save(made)} saving={saving} />}
    </SpaceBetween>
  );
}

function DrillReportTab({ initial }: { initial?: string }) {
  const executions = useLoad(() => backend.executions());
  const [selected, setSelected] = useState<string | undefined>(initial);
  const [format, setFormat] = useState<ReportFormat>("pdf");
  const [made, setMade] = useState<MadeReport>();
  const [making, setMaking] = useState(false);
  const [error, setError] = useState<BackendError>();
  const { save, saving } = useSave();
  const { items, collectionProps, filterProps, paginationProps } = useCollection(executions.data ?? [], {
    filtering: {
      empty: <EmptyState title="No executions">Run a drill from the Executions page; its report is made here.</EmptyState>,
      noMatch: <EmptyState title="No match">No execution matches the filter.</EmptyState>,
      filteringFunction: (e, text) => `${e.id} ${e.plan} ${e.kind} ${e.status} ${e.startedBy}`.toLowerCase().includes(text.toLowerCase()),
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "startedAt" }, isDescending: true } },
    pagination: { pageSize: 10 },
  });

  const make = async (id: string) => {
    setMaking(true);
    setError(undefined);
    setMade(undefined);
    try {
      setMade(await backend.drillReport(id, format));
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setMaking(false);
    }
  };

  if (executions.error) return <ErrorState error={executions.error} onRetry={executions.reload} />;
  return (
    <SpaceBetween size="l">
      <Table
        {...collectionProps}
        data-testid="report-executions"
        loading={executions.loading}
        loadingText="Loading executions"
        selectionType="single"
        trackBy="id"
        selectedItems={(executions.data ?? []).filter((e) => e.id === selected)}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems[0]?.id)}
        items={items}
        header={
          <Header
            variant="h2"
            description="Timeline, measured RTO against the target, failures, approvals and the cleanup proof of one execution."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <SegmentedControl selectedId={format} onChange={(e) => setFormat(e.detail.selectedId as ReportFormat)} options={FORMATS} />
                <Button variant="primary" disabled={!selected} loading={making} onClick={() => selected && make(selected)} data-testid="make-drill-report">
                  Make report
                </Button>
              </SpaceBetween>
            }
          >
            Drill report
          </Header>
        }
        filter={<TextFilter {...filterProps} filteringPlaceholder="Find executions" />}
        pagination={<Pagination {...paginationProps} />}
        columnDefinitions={[
          { id: "id", header: "Execution", cell: (e) => e.id, sortingField: "id" },
          { id: "plan", header: "Plan", cell: (e) => e.plan, sortingField: "plan" },
          { id: "kind", header: "Kind", cell: (e) => e.kind, sortingField: "kind" },
          { id: "status", header: "Status", cell: (e) => <ExecutionStatusIndicator status={e.status} />, sortingField: "status" },
          { id: "startedAt", header: "Started", cell: (e) => formatTime(e.startedAt), sortingField: "startedAt" },
          { id: "cleanup", header: "Cleanup", cell: (e) => e.cleanup, sortingField: "cleanup" },
        ]}
      />
      {error && <ErrorState error={error} onRetry={() => selected && make(selected)} />}
      {made && <ReportPreviewPanel made={made} onSave={() => save(made)} saving={saving} />}
    </SpaceBetween>
  );
}

const NEW_SCHEDULE: ReportSchedule = { enabled: true, folder: "", cadence: "daily", weekday: 1, hour: 6, plans: [], format: "pdf", savedAt: null };

function ScheduleTab() {
  const state = useLoad(() => backend.reportSchedule());
  const plans = useLoad(() => backend.plans());
  const targets = useLoad(() => backend.targets());
  const [draft, setDraft] = useState<ReportSchedule>();
  const [saving, setSaving] = useState(false);
  const [running, setRunning] = useState(false);
  const [retrying, setRetrying] = useState(false);
  const [error, setError] = useState<BackendError>();
  const { notify } = useFlash();

  if (state.loading && !state.data) return <Loading what="the report schedule" />;
  if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
  const s = draft ?? state.data?.schedule ?? NEW_SCHEDULE;
  const set = (patch: Partial<ReportSchedule>) => setDraft({ ...s, ...patch });
  const fieldError = (field: string) => error?.problems?.find((p) => p.path === field)?.message;

  const saveSchedule = async () => {
    setSaving(true);
    setError(undefined);
    try {
      state.setData(await backend.saveReportSchedule(s));
      setDraft(undefined);
      notify("success", s.enabled ? "Reports will be written while the app runs." : "Scheduled reports are off.", "Schedule saved");
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setSaving(false);
    }
  };
  const runNow = async () => {
    setRunning(true);
    try {
      const run = await backend.runReportSchedule();
      await state.reload();
      const undelivered = run.deliveries.filter((d) => d.status !== "delivered");
      if (run.errors.length) notify("error", run.errors.join("; "), "Some reports were not written");
      else if (undelivered.length)
        notify("warning", `${undelivered.length} of ${run.deliveries.length} deliveries failed: see Runs.`, "Reports written, not all delivered");
      else
        notify(
          "success",
          `${run.files.length} report(s) written${run.deliveries.length ? `, ${run.deliveries.length} delivered` : ""}`,
          "Reports written",
        );
    } catch (e) {
      notify("error", toBackendError(e).message, "The schedule could not run");
    } finally {
      setRunning(false);
    }
  };
  const retryNow = async () => {
    setRetrying(true);
    try {
      const retried = await backend.retryDeliveries();
      await state.reload();
      const failed = retried.filter((d) => d.status !== "delivered");
      if (failed.length) notify("error", failed.map((d) => d.error ?? d.destination).join("; "), "Deliveries failed again");
      else notify("success", `${retried.length} delivery(ies) made`, "Delivered");
    } catch (e) {
      notify("error", toBackendError(e).message, "Deliveries not retried");
    } finally {
      setRetrying(false);
    }
  };
  const last = state.data?.lastRun;
  const pending = state.data?.pendingDeliveries ?? [];

  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header
            variant="h2"
            description="While the app runs, readiness reports (one per plan) are checked and written into a folder. When it does not run, use the CLI from cron (see the README)."
          >
            Scheduled readiness reports
          </Header>
        }
      >
        <Form
          errorText={error && !error.problems?.length ? error.message : undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={runNow} loading={running} disabled={!state.data?.schedule} data-testid="schedule-run-now">
                Run now
              </Button>
              <Button variant="primary" onClick={saveSchedule} loading={saving} data-testid="schedule-save">
                Save schedule
              </Button>
            </SpaceBetween>
          }
        >
          <SpaceBetween size="m">
            <Toggle checked={s.enabled} onChange={(e) => set({ enabled: e.detail.checked })} data-testid="schedule-enabled">
              Write reports on a schedule
            </Toggle>
            <ColumnLayout columns={3}>
              <FormField label="How often">
                <Select
                  selectedOption={{ value: s.cadence, label: s.cadence === "daily" ? "Daily" : "Weekly" }}
                  onChange={(e) => set({ cadence: e.detail.selectedOption.value as "daily" | "weekly" })}
                  options={[
                    { value: "daily", label: "Daily" },
                    { value: "weekly", label: "Weekly" },
                  ]}
                />
              </FormField>
              {s.cadence === "weekly" && (
                <FormField label="Day" errorText={fieldError("weekday")}>
                  <Select
                    selectedOption={{ value: String(s.weekday), label: WEEKDAYS[s.weekday - 1] ?? "?" }}
                    onChange={(e) => set({ weekday: Number(e.detail.selectedOption.value) })}
                    options={WEEKDAYS.map((d, i) => ({ value: String(i + 1), label: d }))}
                  />
                </FormField>
              )}
              <FormField label="Hour (UTC)" errorText={fieldError("hour")}>
                <Select
                  selectedOption={{ value: String(s.hour), label: `${String(s.hour).padStart(2, "0")}:00 UTC` }}
                  onChange={(e) => set({ hour: Number(e.detail.selectedOption.value) })}
                  options={Array.from({ length: 24 }, (_, h) => ({ value: String(h), label: `${String(h).padStart(2, "0")}:00 UTC` }))}
                />
              </FormField>
            </ColumnLayout>
            <FormField label="Folder" description="An existing folder this app can write to, chosen in the folder dialog." errorText={fieldError("folder")}>
              <SpaceBetween direction="horizontal" size="xs">
                <div style={{ minWidth: 420 }}>
                  <Input value={s.folder} readOnly placeholder="No folder chosen" data-testid="schedule-folder" />
                </div>
                <Button
                  data-testid="schedule-choose-folder"
                  onClick={async () => {
                    const f = await backend.chooseScheduleFolder().catch(() => null);
                    if (f) set({ folder: f });
                  }}
                >
                  Choose…
                </Button>
              </SpaceBetween>
            </FormField>
            <ColumnLayout columns={2}>
              <FormField label="Plans" description="None chosen: every plan.">
                <Multiselect
                  selectedOptions={s.plans.map((p) => ({ value: p, label: p }))}
                  onChange={(e) => set({ plans: e.detail.selectedOptions.map((o) => o.value ?? "") })}
                  options={(plans.data ?? []).map((p) => ({ value: p.name, label: p.name }))}
                  placeholder="All plans"
                  statusType={plans.loading ? "loading" : "finished"}
                />
              </FormField>
              <FormField label="Format">
                <SegmentedControl selectedId={s.format} onChange={(e) => set({ format: e.detail.selectedId as ReportFormat })} options={FORMATS} />
              </FormField>
            </ColumnLayout>
            <Toggle
              checked={!!s.delivery}
              onChange={(e) => set({ delivery: e.detail.checked ? { target: targets.data?.[0]?.name ?? "" } : undefined })}
              data-testid="schedule-deliver"
            >
              Also deliver the reports (S3, e-mail)
            </Toggle>
            {s.delivery && (
              <DeliveryFields
                value={s.delivery}
                onChange={(d) => set({ delivery: d })}
                targets={targets.data ?? []}
                fieldError={fieldError}
              />
            )}
          </SpaceBetween>
        </Form>
      </Container>
      <Container header={<Header variant="h2">Runs</Header>} data-testid="schedule-runs">
        <KeyValuePairs
          columns={3}
          items={[
            { label: "Next run", value: state.data?.nextRun ? formatTime(state.data.nextRun) : "not scheduled" },
            { label: "Last run", value: last ? formatTime(last.at) : "never" },
            {
              label: "Last result",
              value: !last ? (
                "—"
              ) : last.errors.length ? (
                <StatusIndicator type="error">{last.errors.join("; ")}</StatusIndicator>
              ) : (
                <StatusIndicator type="success">{`${last.files.length} report(s) written`}</StatusIndicator>
              ),
            },
          ]}
        />
        {last && last.files.length > 0 && (
          <Box variant="small" data-testid="schedule-files">
            {last.files.join(" · ")}
          </Box>
        )}
        {last && last.deliveries.length > 0 && (
          <DeliveriesTable records={last.deliveries} title="Deliveries of the last run" empty="Nothing was delivered." />
        )}
        {pending.length > 0 && (
          <SpaceBetween size="xs">
            <StatusIndicator type="warning">{`${pending.length} delivery(ies) wait for a retry`}</StatusIndicator>
            <Button onClick={retryNow} loading={retrying} data-testid="schedule-retry">
              Retry now
            </Button>
          </SpaceBetween>
        )}
      </Container>
    </SpaceBetween>
  );
}

/** Reports: readiness of plans, what happened in a drill, and the schedule. */
export function ReportsPage() {
  const [params] = useSearchParams();
  const execution = params.get("execution") ?? undefined;
  const [tab, setTab] = useState(execution ? "drill" : params.get("tab") ?? "readiness");
  return (
    <ContentLayout header={<Header variant="h1" description="PDF reports for auditors and managers; CSV for spreadsheets.">Reports</Header>}>
      <Tabs
        activeTabId={tab}
        onChange={(e) => setTab(e.detail.activeTabId)}
        tabs={[
          { id: "readiness", label: "Readiness", content: <ReadinessReportTab /> },
          { id: "drill", label: "Drills", content: <DrillReportTab initial={execution} /> },
          { id: "schedule", label: "Schedule", content: <ScheduleTab /> },
        ]}
      />
    </ContentLayout>
  );
}
