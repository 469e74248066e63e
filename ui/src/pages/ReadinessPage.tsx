import { useCollection } from "@cloudscape-design/collection-hooks";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Pagination from "@cloudscape-design/components/pagination";
import SegmentedControl from "@cloudscape-design/components/segmented-control";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { EmptyState, ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { BackendError, Finding, Readiness, ReadinessSummary } from "../types";
import { formatTime } from "./format";

/** "Ready" or "N blockers", for tables and the Dashboard. */
export function ReadinessStatus({ summary }: { summary?: ReadinessSummary | Readiness | null }) {
  if (!summary) return <StatusIndicator type="stopped">Not checked</StatusIndicator>;
  if (summary.ready)
    return <StatusIndicator type={summary.warnings ? "warning" : "success"}>{summary.warnings ? `Ready · ${summary.warnings} warnings` : "Ready"}</StatusIndicator>;
  return <StatusIndicator type="error">{`${summary.blockers} blocker${summary.blockers === 1 ? "" : "s"}`}</StatusIndicator>;
}

type Scope = "all" | "blocker" | "warning";

/** A plan's readiness: summary, how waves will run against the quotas, and every finding. */
export function ReadinessPage() {
  const { name = "" } = useParams();
  const navigate = useNavigate();
  const saved = useLoad(() => backend.readiness(name), [name]);
  const [fresh, setFresh] = useState<Readiness | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<BackendError>();
  const [scope, setScope] = useState<Scope>("all");
  const r = fresh ?? saved.data ?? null;

  const check = async () => {
    setChecking(true);
    setError(undefined);
    try {
      setFresh(await backend.checkReadiness(name));
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setChecking(false);
    }
  };

  const findings = (r?.findings ?? []).filter((f) => scope === "all" || f.severity === scope);
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(findings, {
    filtering: {
      filteringFunction: (f, text) =>
        [f.wave, f.group, f.serverName, f.sourceServerId, f.message, f.evidence, f.check].some((v) => v?.toLowerCase().includes(text.toLowerCase())),
      noMatch: <EmptyState title="No match">No finding matches the filter.</EmptyState>,
      empty: <EmptyState title="Nothing found">{scope === "all" ? "Every check passed." : `No ${scope}s.`}</EmptyState>,
    },
    pagination: { pageSize: 50 },
    sorting: {},
  });

  if (saved.error) return <ErrorState error={saved.error} onRetry={saved.reload} />;
  if (saved.loading && !fresh) return <Loading what="readiness" />;

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Would a launch of this plan work right now? Replication, agents, launch configurations, DR instance pairs and DRS quotas, checked against the targets."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => navigate(`/pairs?plan=${encodeURIComponent(name)}`)} data-testid="readiness-pairs">
                Pairs
              </Button>
              <Button onClick={() => navigate(`/plans/edit/${encodeURIComponent(name)}`)}>Edit plan</Button>
              <Button onClick={() => navigate(`/executions?start=${encodeURIComponent(name)}`)} data-testid="readiness-drill">
                Start drill…
              </Button>
              <Button variant="primary" loading={checking} onClick={() => void check()} data-testid="check-readiness">
                {checking ? "Checking…" : "Check now"}
              </Button>
            </SpaceBetween>
          }
        >
          Readiness: {name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {error && <ErrorState error={error} onRetry={() => void check()} />}
        {!r ? (
          <Container>
            <EmptyState title="Not checked yet" action={<Button onClick={() => void check()}>Check now</Button>}>
              A check reads every source server, DR instance and launch configuration of the plan's targets.
            </EmptyState>
          </Container>
        ) : (
          <>
            <Container header={<Header variant="h2">Summary</Header>} data-testid="readiness-summary">
              <ColumnLayout columns={4} variant="text-grid">
                <div>
                  <Box variant="awsui-key-label">Verdict</Box>
                  <Box fontSize="heading-l" fontWeight="bold">
                    <ReadinessStatus summary={r} />
                  </Box>
                </div>
                <div>
                  <Box variant="awsui-key-label">Blockers</Box>
                  <Box variant="awsui-value-large" color={r.blockers ? "text-status-error" : "text-status-success"}>
                    {r.blockers}
                  </Box>
                </div>
                <div>
                  <Box variant="awsui-key-label">Warnings</Box>
                  <Box variant="awsui-value-large" color={r.warnings ? "text-status-warning" : "inherit"}>
                    {r.warnings}
                  </Box>
                </div>
                <div>
                  <Box variant="awsui-key-label">Servers · checked</Box>
                  <Box variant="awsui-value-large">{r.servers}</Box>
                  <Box color="text-status-inactive">{formatTime(r.checkedAt)}</Box>
                </div>
              </ColumnLayout>
            </Container>
            <Table
              header={<Header variant="h2" description="How the engine will run each wave within DRS's quotas: at most 100 servers per job, 20 concurrent jobs, 500 servers in active jobs.">Waves</Header>}
              items={r.waves}
              columnDefinitions={[
                { id: "wave", header: "Wave", cell: (w) => w.wave },
                { id: "servers", header: "Servers", cell: (w) => w.servers },
                { id: "jobs", header: "Recovery jobs", cell: (w) => w.jobs },
                { id: "batches", header: "Batches", cell: (w) => w.batches },
              ]}
            />
            <Table
              {...collectionProps}
              data-testid="findings-table"
              items={items}
              wrapLines
              header={
                <Header
                  variant="h2"
                  counter={`(${findings.length})`}
                  actions={
                    <SegmentedControl
                      selectedId={scope}
                      onChange={(e) => setScope(e.detail.selectedId as Scope)}
                      options={[
                        { id: "all", text: "All" },
                        { id: "blocker", text: `Blockers (${r.blockers})` },
                        { id: "warning", text: `Warnings (${r.warnings})` },
                      ]}
                    />
                  }
                >
                  Findings
                </Header>
              }
              filter={<TextFilter {...filterProps} filteringPlaceholder="Find by wave, group, server or text" countText={`${filteredItemsCount ?? 0} matches`} />}
              pagination={<Pagination {...paginationProps} />}
              columnDefinitions={[
                {
                  id: "severity",
                  header: "Severity",
                  cell: (f: Finding) => <StatusIndicator type={f.severity === "blocker" ? "error" : "warning"}>{f.severity === "blocker" ? "Blocker" : "Warning"}</StatusIndicator>,
                  sortingField: "severity",
                },
                { id: "wave", header: "Wave", cell: (f) => f.wave ?? "—", sortingField: "wave" },
                { id: "group", header: "Group", cell: (f) => f.group ?? "—", sortingField: "group" },
                { id: "server", header: "Server", cell: (f) => f.serverName ?? "—", sortingField: "serverName" },
                { id: "message", header: "Finding", cell: (f) => f.message },
                {
                  id: "evidence",
                  header: "Evidence",
                  cell: (f) =>
                    f.evidence ? (
                      <span>
                        {f.evidence}
                        <Box color="text-status-inactive" fontSize="body-s">
                          seen {formatTime(f.observedAt)}
                        </Box>
                      </span>
                    ) : (
                      "—"
                    ),
                },
                { id: "remediation", header: "What to do", cell: (f) => f.remediation ?? "—" },
              ]}
            />
          </>
        )}
      </SpaceBetween>
    </ContentLayout>
  );
}
