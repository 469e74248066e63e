import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import ColumnLayout from "@cloudscape-design/components/column-layout";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Table from "@cloudscape-design/components/table";
import { useNavigate } from "react-router-dom";
import { backend } from "../backend";
import { ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import { formatTime } from "./format";
import { ExecutionStatusIndicator } from "./ExecutionsPage";
import { ReadinessStatus } from "./ReadinessPage";

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
        <Container header={<Header variant="h2">Overview</Header>}>
          <ColumnLayout columns={3} variant="text-grid">
            {counter("Recovery plans", plans.length, "/plans")}
            {counter("Protection groups", groups.length, "/groups")}
            {counter("Targets", targets.length, "/targets")}
          </ColumnLayout>
        </Container>
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
            { id: "kind", header: "Kind", cell: (e) => (e.kind === "drill" ? "Drill" : "Recovery") },
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
