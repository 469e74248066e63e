import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Checkbox from "@cloudscape-design/components/checkbox";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
import Link from "@cloudscape-design/components/link";
import Modal from "@cloudscape-design/components/modal";
import Pagination from "@cloudscape-design/components/pagination";
import RadioGroup from "@cloudscape-design/components/radio-group";
import Select from "@cloudscape-design/components/select";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import Toggle from "@cloudscape-design/components/toggle";
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { ExecutionKind, ExecutionSummary } from "../types";
import { clock, executionLabel, formatTime } from "./format";

/** A status word as an indicator. */
export function ExecutionStatusIndicator({ status }: { status: string }) {
  const type: StatusIndicatorProps.Type =
    status === "completed"
      ? "success"
      : status === "failed"
        ? "error"
        : status === "cancelled"
          ? "stopped"
          : status === "paused"
            ? "warning"
            : status === "pending"
              ? "pending"
              : "in-progress";
  const label = status.replace(/([A-Z])/g, " $1").toLowerCase();
  return <StatusIndicator type={type}>{label.charAt(0).toUpperCase() + label.slice(1)}</StatusIndicator>;
}

/** Starts a drill or a recovery of a plan. */
export function StartExecutionModal({ initialPlan, onClose, onStarted }: { initialPlan?: string; onClose: () => void; onStarted: (id: string) => void }) {
  const plans = useLoad(() => backend.plans());
  const [plan, setPlan] = useState(initialPlan ?? "");
  const [kind, setKind] = useState<ExecutionKind>("drill");
  const [autoCleanup, setAutoCleanup] = useState(true);
  const [override, setOverride] = useState(false);
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string>();
  const [starting, setStarting] = useState(false);
  const canStart = !!plan && (kind === "drill" || confirm === plan);

  const start = async () => {
    setStarting(true);
    setError(undefined);
    try {
      const id = await backend.startExecution(plan, kind, { overrideReadiness: override, autoCleanup, confirm: kind === "recovery" ? confirm : undefined }, () => {});
      onStarted(id);
    } catch (e) {
      setError(toBackendError(e).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Modal
      visible
      onDismiss={onClose}
      header={kind === "drill" ? "Start a drill" : "Start a recovery (failover)"}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" disabled={!canStart} loading={starting} onClick={() => void start()} data-testid="start-execution">
              {kind === "drill" ? "Start drill" : "Start recovery"}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        {error && (
          <Alert type="error" header="Not started" data-testid="start-error">
            <span style={{ whiteSpace: "pre-wrap" }}>{error}</span>
          </Alert>
        )}
        <FormField label="Recovery plan">
          <Select
            selectedOption={plan ? { value: plan, label: plan } : null}
            options={(plans.data ?? []).map((p) => ({ value: p.name, label: p.name, description: `${p.waves} waves · ${p.groups} groups` }))}
            statusType={plans.loading ? "loading" : "finished"}
            placeholder="Choose a plan"
            onChange={(e) => setPlan(e.detail.selectedOption.value ?? "")}
            data-testid="start-plan"
          />
        </FormField>
        <FormField label="Kind">
          <RadioGroup
            value={kind}
            onChange={(e) => setKind(e.detail.value as ExecutionKind)}
            items={[
              { value: "drill", label: "Drill", description: "Launches isolated drill instances, then terminates exactly those. Pre-provisioned DR instances are never touched." },
              { value: "recovery", label: "Recovery (failover)", description: "Launches for real, into the pre-provisioned DR instances where paired. Nothing is cleaned up." },
            ]}
          />
        </FormField>
        {kind === "drill" && (
          <Toggle checked={autoCleanup} onChange={(e) => setAutoCleanup(e.detail.checked)}>
            Clean up automatically when the last wave ends (otherwise after confirmation)
          </Toggle>
        )}
        {kind === "recovery" && (
          <FormField label={`Type the plan's name (${plan || "…"}) to confirm a real failover`}>
            <Input value={confirm} onChange={(e) => setConfirm(e.detail.value)} data-testid="confirm-plan" />
          </FormField>
        )}
        <Checkbox checked={override} onChange={(e) => setOverride(e.detail.checked)}>
          Start even if readiness finds blockers (recorded in the audit log)
        </Checkbox>
      </SpaceBetween>
    </Modal>
  );
}

/** Every execution, newest first. */
export function ExecutionsPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const list = useLoad(() => backend.executions());
  const orphans = useLoad(() => backend.orphanedExecutions());
  const [starting, setStarting] = useState(params.get("start") !== null);
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(list.data ?? [], {
    filtering: {
      empty: (
        <EmptyState title="No executions yet" action={<Button onClick={() => setStarting(true)}>Start a drill</Button>}>
          A drill rehearses a plan with isolated instances; a recovery fails over for real.
        </EmptyState>
      ),
      noMatch: <EmptyState title="No match">No execution matches the filter.</EmptyState>,
    },
    pagination: { pageSize: 25 },
    sorting: { defaultState: { sortingColumn: { sortingField: "startedAt" }, isDescending: true } },
  });
  if (list.error) return <ErrorState error={list.error} onRetry={list.reload} />;
  return (
    <>
      {(orphans.data ?? []).length > 0 && (
        <Alert type="warning" header="Executions without a running engine" data-testid="orphans">
          Their process ended or stopped; nothing happens to them until someone resumes them:{" "}
          {(orphans.data ?? []).map((o, i) => (
            <span key={o.id}>
              {i > 0 && ", "}
              <Link href={`#/executions/${o.id}`} onFollow={(ev) => (ev.preventDefault(), navigate(`/executions/${o.id}`))}>
                {o.kind === "recovery" ? "recovery" : "drill"} of {o.plan} ({o.id})
              </Link>
            </span>
          ))}
          .
        </Alert>
      )}
      <Table
        {...collectionProps}
        data-testid="executions-table"
        variant="full-page"
        loading={list.loading}
        loadingText="Loading executions"
        items={items}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={list.data ? `(${list.data.length})` : undefined}
            description="Drills and recoveries, wave by wave, from the execution journal."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" onClick={() => void list.reload()}>
                  Refresh
                </Button>
                <Button variant="primary" onClick={() => setStarting(true)} data-testid="new-execution">
                  Start drill or recovery
                </Button>
              </SpaceBetween>
            }
          >
            Executions
          </Header>
        }
        filter={<TextFilter {...filterProps} filteringPlaceholder="Find executions" countText={`${filteredItemsCount ?? 0} matches`} />}
        pagination={<Pagination {...paginationProps} />}
        columnDefinitions={[
          {
            id: "id",
            header: "Execution",
            cell: (e) => (
              <Link href={`#/executions/${e.id}`} onFollow={(ev) => (ev.preventDefault(), navigate(`/executions/${e.id}`))}>
                {e.id}
              </Link>
            ),
          },
          { id: "plan", header: "Plan", cell: (e) => e.plan, sortingField: "plan" },
          { id: "kind", header: "Kind", cell: (e) => executionLabel(e.kind, e.direction), sortingField: "kind" },
          { id: "status", header: "Status", cell: (e) => <ExecutionStatusIndicator status={e.status} />, sortingField: "status" },
          { id: "started", header: "Started", cell: (e) => formatTime(e.startedAt), sortingField: "startedAt" },
          { id: "ended", header: "Ended", cell: (e) => (e.endedAt ? formatTime(e.endedAt) : "—") },
          {
            id: "rto",
            header: "Recovery time",
            cell: (e) => <RecoveryTimeCell e={e} />,
          },
          { id: "by", header: "By", cell: (e) => e.startedBy },
        ]}
      />
      {starting && <StartExecutionModal initialPlan={params.get("start") || undefined} onClose={() => setStarting(false)} onStarted={(id) => navigate(`/executions/${id}`)} />}
    </>
  );
}

/** Launch-only and "application up" times of one execution, against its RTO target. */
function RecoveryTimeCell({ e }: { e: ExecutionSummary }) {
  if (e.recoverySeconds == null) return <>—</>;
  const up = e.applicationUpSeconds;
  const worst = up ?? e.recoverySeconds;
  const text = up != null && up !== e.recoverySeconds ? `${clock(e.recoverySeconds)} launched · ${clock(up)} application up` : clock(e.recoverySeconds);
  if (e.targetSeconds == null) return <>{text}</>;
  return <StatusIndicator type={worst <= e.targetSeconds ? "success" : "warning"}>{text}</StatusIndicator>;
}
