import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Modal from "@cloudscape-design/components/modal";
import Pagination from "@cloudscape-design/components/pagination";
import ProgressBar from "@cloudscape-design/components/progress-bar";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { EmptyState, ErrorState, Loading } from "../components/PageState";
import { ProblemList } from "../components/ProblemList";
import { useLoad } from "../components/useLoad";
import type { BackendError, FieldChange, LaunchApplication, ServerDiff } from "../types";
import { formatTime } from "./format";

/** A field change as "field: before → after". */
export function changeText(c: FieldChange): string {
  return `${c.field}: ${c.before ?? "—"} → ${c.after ?? "—"}`;
}

function Changes({ changes }: { changes: FieldChange[] }) {
  if (!changes.length) return <StatusIndicator type="success">In line with the group</StatusIndicator>;
  return (
    <SpaceBetween size="xxxs">
      {changes.map((c) => (
        <Box key={c.field} fontSize="body-s">
          <b>{c.field}</b>: <span style={{ textDecoration: "line-through" }}>{c.before ?? "—"}</span> → {c.after ?? "—"}
        </Box>
      ))}
    </SpaceBetween>
  );
}

/** A group's launch settings against DRS and EC2: review the per-server diff, apply, roll back. */
export function GroupLaunchPage() {
  const { name = "" } = useParams();
  const navigate = useNavigate();
  const { notify } = useFlash();
  const preview = useLoad(() => backend.groupLaunchPreview(name), [name]);
  const applies = useLoad(() => backend.groupLaunchApplies(name), [name]);
  const [selected, setSelected] = useState<ServerDiff[]>([]);
  const [confirm, setConfirm] = useState<"apply" | LaunchApplication | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [error, setError] = useState<BackendError>();
  const [outcome, setOutcome] = useState<LaunchApplication>();

  const drifted = (preview.data?.servers ?? []).filter((s) => s.changes.length > 0);
  const { items, collectionProps, filterProps, paginationProps } = useCollection(preview.data?.servers ?? [], {
    filtering: {
      empty: <EmptyState title="No servers">The group selects no source server now.</EmptyState>,
      noMatch: <EmptyState title="No match">No server matches the filter.</EmptyState>,
      filteringFunction: (s, text) => `${s.sourceServerId} ${s.name} ${s.changes.map(changeText).join(" ")}`.toLowerCase().includes(text.toLowerCase()),
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
    pagination: { pageSize: 25 },
  });

  if (preview.loading && !preview.data) return <Loading what="the group's launch settings from DRS and EC2" />;
  if (preview.error) return <ErrorState error={preview.error} onRetry={preview.reload} />;
  const p = preview.data!;
  const targets = selected.length ? selected.filter((s) => s.changes.length) : drifted;
  const blocked = p.problems.some((x) => x.severity === "error") || p.conflicts.length > 0;

  const run = async () => {
    const what = confirm;
    setConfirm(null);
    setError(undefined);
    setOutcome(undefined);
    setProgress({ done: 0, total: 0 });
    try {
      const onProgress = (done: number, total: number) => setProgress({ done, total });
      const a =
        what === "apply"
          ? await backend.groupLaunchApply(name, selected.map((s) => s.sourceServerId), onProgress)
          : await backend.groupLaunchRollback(name, (what as LaunchApplication).id, onProgress);
      setOutcome(a);
      const failed = a.servers.filter((s) => s.status === "failed").length;
      const changed = a.servers.filter((s) => s.status === "applied").length;
      notify(failed ? "warning" : "success", `${changed} server(s) changed${failed ? `, ${failed} failed` : ""}.`, a.kind === "rollback" ? `Rollback ${a.id}` : `Apply ${a.id}`);
      setSelected([]);
      await Promise.all([preview.reload(), applies.reload()]);
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setProgress(null);
    }
  };

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`Target ${p.target} · ${p.members.length} server(s) selected now · ${drifted.length} differ from the group's launch settings`}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate(`/groups/edit/${encodeURIComponent(name)}`)}>Edit group</Button>
              <Button iconName="refresh" onClick={() => void preview.reload()} loading={preview.loading}>
                Refresh
              </Button>
              <Button variant="primary" disabled={!targets.length || blocked || !!progress} onClick={() => setConfirm("apply")} data-testid="review-apply">
                {selected.length ? `Apply to ${targets.length} selected` : `Apply to ${targets.length} server(s)`}
              </Button>
            </SpaceBetween>
          }
        >
          Launch settings: {name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {p.conflicts.map((c) => (
          <Alert key={c.sourceServerId} type="error" header="A server is in two groups">
            {c.name} ({c.sourceServerId}) is selected by {c.groups.map((g) => `"${g}"`).join(" and ")}. Narrow one group&apos;s selector before applying.
          </Alert>
        ))}
        {p.missing.length > 0 && (
          <Alert type="warning" header="Listed servers not in DRS any more">
            {p.missing.join(", ")}
          </Alert>
        )}
        {p.problems.length > 0 && <ProblemList problems={p.problems} subject="group" against="what exists in AWS (subnets, security groups, instance types)" />}
        {progress && (
          <ProgressBar
            data-testid="apply-progress"
            value={progress.total ? (progress.done / progress.total) * 100 : 0}
            label="Writing launch settings"
            description={`${progress.done} of ${progress.total} server(s)`}
          />
        )}
        {error && <ErrorState error={error} />}
        {outcome && outcome.servers.some((s) => s.status === "failed") && (
          <Alert type="warning" header={`Some servers were not changed (${outcome.kind} ${outcome.id})`} data-testid="apply-failures">
            {outcome.servers
              .filter((s) => s.status === "failed")
              .map((s) => (
                <div key={s.sourceServerId}>
                  {s.name} ({s.sourceServerId}): {s.error}
                </div>
              ))}
          </Alert>
        )}
        <Table
          {...collectionProps}
          data-testid="launch-diff"
          items={items}
          trackBy="sourceServerId"
          selectionType="multi"
          selectedItems={selected}
          onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
          isItemDisabled={(s) => s.changes.length === 0}
          header={
            <Header variant="h2" counter={`(${drifted.length}/${p.servers.length})`} description="What DRS and EC2 hold now against what the group says. Select servers to apply to some only.">
              Differences
            </Header>
          }
          filter={<TextFilter {...filterProps} filteringPlaceholder="Find servers or fields" />}
          pagination={<Pagination {...paginationProps} />}
          columnDefinitions={[
            { id: "name", header: "Server", cell: (s) => s.name, sortingField: "name" },
            { id: "id", header: "Source server", cell: (s) => s.sourceServerId, sortingField: "sourceServerId" },
            {
              id: "changes",
              header: "Changes (now → group)",
              cell: (s) => (s.error ? <StatusIndicator type="error">{s.error}</StatusIndicator> : <Changes changes={s.changes} />),
            },
          ]}
        />
        <Table
          data-testid="launch-history"
          loading={applies.loading}
          loadingText="Loading applies"
          items={applies.data ?? []}
          header={<Header variant="h2" description="Every apply is recorded with the previous values; a rollback puts them back.">Applies</Header>}
          empty={<Box textAlign="center">Nothing applied yet</Box>}
          columnDefinitions={[
            { id: "id", header: "#", cell: (a) => a.id },
            { id: "kind", header: "Kind", cell: (a) => (a.rollsBack ? `rollback of ${a.rollsBack}` : a.kind) },
            { id: "at", header: "When", cell: (a) => formatTime(a.startedAt) },
            { id: "who", header: "Who", cell: (a) => a.actor },
            {
              id: "result",
              header: "Result",
              cell: (a) => {
                const failed = a.servers.filter((s) => s.status === "failed").length;
                const changed = a.servers.filter((s) => s.status === "applied").length;
                if (!a.finishedAt) return <StatusIndicator type="warning">{`interrupted: ${changed} changed`}</StatusIndicator>;
                return failed ? <StatusIndicator type="warning">{`${changed} changed, ${failed} failed`}</StatusIndicator> : <StatusIndicator type="success">{`${changed} changed`}</StatusIndicator>;
              },
            },
            {
              id: "actions",
              header: "",
              cell: (a) =>
                a.kind !== "rollback" && !a.rolledBackBy ? (
                  <Button variant="inline-link" onClick={() => setConfirm(a)} data-testid={`rollback-${a.id}`}>
                    Roll back
                  </Button>
                ) : a.rolledBackBy ? (
                  `rolled back by ${a.rolledBackBy}`
                ) : (
                  ""
                ),
            },
          ]}
        />
      </SpaceBetween>
      <Modal
        visible={confirm !== null}
        onDismiss={() => setConfirm(null)}
        header={confirm === "apply" ? `Apply launch settings to ${targets.length} server(s)?` : `Roll back apply ${(confirm as LaunchApplication | null)?.id}?`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirm(null)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={() => void run()} data-testid="confirm-apply">
                {confirm === "apply" ? "Apply" : "Roll back"}
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        {confirm === "apply" ? (
          <SpaceBetween size="s">
            <Box>
              Each server&apos;s DRS launch configuration and EC2 launch template (a new default version) are changed. The previous values are recorded first, so
              the apply can be rolled back.
            </Box>
            <Box variant="small">
              {targets
                .slice(0, 8)
                .map((s) => `${s.name}: ${s.changes.map(changeText).join("; ")}`)
                .join(" · ")}
              {targets.length > 8 ? ` · and ${targets.length - 8} more` : ""}
            </Box>
          </SpaceBetween>
        ) : (
          confirm && (
            <Box>
              The {(confirm as LaunchApplication).servers.length} server(s) it changed get back the launch configuration and launch template they had before it
              ({formatTime((confirm as LaunchApplication).startedAt)}, by {(confirm as LaunchApplication).actor}).
            </Box>
          )
        )}
      </Modal>
    </ContentLayout>
  );
}
