import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import { useNavigate } from "react-router-dom";
import { backend } from "../backend";
import { ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import { BackgroundProblems } from "../components/Support";
import { formatTime, executionLabel } from "./format";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { formatLag } from "./InventoryPage";
import { ReadinessStatus } from "./ReadinessPage";
import type { ServerHealth, TargetHealth } from "../types";


/** Replication health of every target: counts, states, lag distribution and the worst servers. */
export function HealthPanel() {
  const health = useLoad(() => backend.health());
  if (health.error) return <ErrorState error={health.error} onRetry={health.reload} />;
  if (!health.data) return <Loading what="replication health" />;
  const all: TargetHealth[] = health.data;
  const servers = all.flatMap((t) => t.servers);
  const count = (level: ServerHealth["level"]) => servers.filter((s) => s.level === level).length;
  const byState: Record<string, number> = {};
  for (const t of all) for (const [k, v] of Object.entries(t.summary.byState)) byState[k] = (byState[k] ?? 0) + v;
  const buckets: [string, number][] = all[0]?.summary.lagBuckets.map(([label], i) => [label, all.reduce((n, t) => n + (t.summary.lagBuckets[i]?.[1] ?? 0), 0)]) ?? [];
  const maxBucket = Math.max(1, ...buckets.map((b) => b[1]));
  const worst = servers.filter((s) => s.level !== "healthy").sort((a, b) => (a.level === b.level ? a.name.localeCompare(b.name) : a.level === "critical" ? -1 : 1));
  return (
    <Container
      data-testid="dashboard-health"
      header={
        <Header
          variant="h2"
          description="Every target's servers against its replication thresholds (Settings); a desktop notification follows when one becomes critical."
          actions={<Link onFollow={() => void health.reload()}>Refresh</Link>}
        >
          Replication health
        </Header>
      }
    >
      <SpaceBetween size="l">
        {all
          .filter((t) => t.error)
          .map((t) => (
            <StatusIndicator key={t.target} type="error">{`${t.target}: ${t.error}`}</StatusIndicator>
          ))}
        <ColumnLayout columns={4} variant="text-grid">
          <div>
            <Box variant="awsui-key-label">Servers</Box>
            <Box variant="awsui-value-large">{servers.length}</Box>
          </div>
          <div>
            <Box variant="awsui-key-label">Critical</Box>
            <Box variant="awsui-value-large" color={count("critical") ? "text-status-error" : undefined}>
              {count("critical")}
            </Box>
          </div>
          <div>
            <Box variant="awsui-key-label">Warning</Box>
            <Box variant="awsui-value-large" color={count("warning") ? "text-status-warning" : undefined}>
              {count("warning")}
            </Box>
          </div>
          <div>
            <Box variant="awsui-key-label">Healthy</Box>
            <Box variant="awsui-value-large" color="text-status-success">
              {count("healthy")}
            </Box>
          </div>
        </ColumnLayout>
        <ColumnLayout columns={2}>
          <div>
            <Box variant="h4">By replication state</Box>
            {Object.entries(byState).map(([state, n]) => (
              <div key={state}>
                <StatusIndicator type={state === "CONTINUOUS" ? "success" : state === "STALLED" || state === "DISCONNECTED" ? "error" : "warning"}>{`${state}: ${n}`}</StatusIndicator>
              </div>
            ))}
          </div>
          <div data-testid="lag-distribution">
            <Box variant="h4">Replication lag</Box>
            {buckets.map(([label, n], i) => (
              <div key={label} style={{ display: "flex", alignItems: "center", gap: 8, margin: "2px 0" }}>
                <span style={{ width: 110, fontSize: 12 }}>{label}</span>
                <span
                  style={{
                    height: 10,
                    width: `${(n / maxBucket) * 60}%`,
                    minWidth: n ? 3 : 0,
                    background: i <= 1 ? "#037f0c" : i === 2 ? "#8d6605" : i === 3 ? "#d91515" : "#8c8c94",
                  }}
                />
                <span style={{ fontSize: 12 }}>{n}</span>
              </div>
            ))}
          </div>
        </ColumnLayout>
        <Table
          variant="embedded"
          data-testid="top-problems"
          wrapLines
          items={worst.slice(0, 10)}
          header={<Header variant="h3" counter={`(${worst.length})`}>Top problems</Header>}
          empty={<Box textAlign="center">Every server is within its thresholds</Box>}
          columnDefinitions={[
            { id: "level", header: "Level", cell: (h) => <StatusIndicator type={h.level === "critical" ? "error" : "warning"}>{h.level}</StatusIndicator> },
            { id: "name", header: "Server", cell: (h) => h.name },
            { id: "target", header: "Target", cell: (h) => h.target },
            { id: "lag", header: "Lag", cell: (h) => formatLag(h.lagSeconds) },
            { id: "why", header: "Why", cell: (h) => h.reasons.join("; ") },
          ]}
        />
      </SpaceBetween>
    </Container>
  );
}

export function DashboardPage() {
  const navigate = useNavigate();
  const data = useLoad(() =>
    Promise.all([
      backend.plans(),
      backend.groups(),
      backend.targets(),
      backend.audit(undefined, 8),
      backend.readinessList().catch(() => []),
      backend.executions().catch(() => []),
    ]),
  );
  if (data.error) return <ErrorState error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Loading what="the dashboard" />;
  const [plans, groups, targets, audit, readiness, executions] = data.data;
  const pendingCleanups = executions.filter((e) => e.kind === "drill" && (e.cleanup === "awaitingConfirmation" || e.cleanup === "failed"));
  const counter = (label: string, value: number, href: string) => (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <Link variant="awsui-value-large" href={`#${href}`} onFollow={(e) => (e.preventDefault(), navigate(href))}>
        {value}
      </Link>
    </div>
  );
  return (
    <ContentLayout header={<Header variant="h1" description="Plans, groups and recent changes at a glance.">Dashboard</Header>}>
      <SpaceBetween size="l">
        <BackgroundProblems />
        <Container header={<Header variant="h2">Overview</Header>}>
          <ColumnLayout columns={3} variant="text-grid">
            {counter("Recovery plans", plans.length, "/plans")}
            {counter("Protection groups", groups.length, "/groups")}
            {counter("Targets", targets.length, "/targets")}
          </ColumnLayout>
        </Container>
        <HealthPanel />
        {pendingCleanups.length > 0 && (
          <Alert type="warning" header={`${pendingCleanups.length} drill(s) with a pending cleanup`} data-testid="pending-cleanups">
            {pendingCleanups.map((e) => (
              <div key={e.id}>
                <Link href={`#/executions/${e.id}`} onFollow={(ev) => (ev.preventDefault(), navigate(`/executions/${e.id}`))}>
                  {e.id}
                </Link>{" "}
                ({e.plan}): cleanup {e.cleanup === "failed" ? "failed" : "not done yet"}
              </div>
            ))}
          </Alert>
        )}
        <Table
          header={<Header variant="h2" description="The newest drills and recoveries.">Executions</Header>}
          items={executions.slice(0, 5)}
          empty={<Box textAlign="center">No drill yet</Box>}
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
            { id: "plan", header: "Plan", cell: (e) => e.plan },
            { id: "kind", header: "Kind", cell: (e) => executionLabel(e.kind, e.direction) },
            { id: "status", header: "Status", cell: (e) => <ExecutionStatusIndicator status={e.status} /> },
            { id: "started", header: "Started", cell: (e) => formatTime(e.startedAt) },
          ]}
        />
        <Table
          data-testid="dashboard-readiness"
          header={<Header variant="h2" description="The latest readiness check of each plan: would a launch work right now?">Readiness</Header>}
          items={plans}
          empty={<Box textAlign="center">No plans yet</Box>}
          columnDefinitions={[
            {
              id: "plan",
              header: "Plan",
              cell: (p) => (
                <Link href={`#/plans/readiness/${encodeURIComponent(p.name)}`} onFollow={(e) => (e.preventDefault(), navigate(`/plans/readiness/${encodeURIComponent(p.name)}`))}>
                  {p.name}
                </Link>
              ),
            },
            { id: "status", header: "Verdict", cell: (p) => <ReadinessStatus summary={readiness.find((r) => r.plan === p.name)} /> },
            { id: "warnings", header: "Warnings", cell: (p) => readiness.find((r) => r.plan === p.name)?.warnings ?? "—" },
            { id: "servers", header: "Servers", cell: (p) => readiness.find((r) => r.plan === p.name)?.servers ?? "—" },
            { id: "checked", header: "Checked", cell: (p) => { const r = readiness.find((x) => x.plan === p.name); return r ? formatTime(r.checkedAt) : "never"; } },
            {
              id: "drill",
              header: "Last drill",
              cell: (p) => {
                const d = executions.find((e) => e.plan === p.name && e.kind === "drill");
                return d ? (
                  <Link href={`#/executions/${d.id}`} onFollow={(ev) => (ev.preventDefault(), navigate(`/executions/${d.id}`))}>
                    <ExecutionStatusIndicator status={d.status} /> {formatTime(d.startedAt)}
                  </Link>
                ) : (
                  "never"
                );
              },
            },
          ]}
        />
        <Table
          header={<Header variant="h2" description="From the append-only audit log.">Recent changes</Header>}
          items={audit}
          empty={<Box textAlign="center">No changes yet</Box>}
          columnDefinitions={[
            { id: "at", header: "When", cell: (e) => formatTime(e.at) },
            { id: "who", header: "Who", cell: (e) => e.actor },
            { id: "what", header: "Action", cell: (e) => e.action },
            { id: "subject", header: "Subject", cell: (e) => e.subject },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
