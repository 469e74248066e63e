import { useCollection } from "@cloudscape-design/collection-hooks";
import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import Pagination from "@cloudscape-design/components/pagination";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator, { type StatusIndicatorProps } from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import Tabs from "@cloudscape-design/components/tabs";
import TextFilter from "@cloudscape-design/components/text-filter";
import { backend } from "../backend";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { Ec2Instance, SourceServer, Thresholds } from "../types";
import { formatTime } from "./format";

/** The defaults, for targets without thresholds of their own (Settings → thresholds). */
const DEFAULT_THRESHOLDS: Thresholds = { maxLagSeconds: 300, criticalLagSeconds: 1800, maxAgentSilenceSeconds: 900 };

/** A server's replication against its target's thresholds (the ones readiness uses). */
export function replicationStatus(s: SourceServer, t: Thresholds = DEFAULT_THRESHOLDS): { type: StatusIndicatorProps.Type; text: string } {
  const state = s.replicationState ?? "UNKNOWN";
  if (s.replicationError) return { type: "error", text: `${state} — ${s.replicationError.error}` };
  if (state === "CONTINUOUS") {
    if ((s.lagSeconds ?? 0) > t.criticalLagSeconds) return { type: "error", text: `CONTINUOUS, lag critical` };
    if ((s.lagSeconds ?? 0) > t.maxLagSeconds) return { type: "warning", text: `CONTINUOUS, lagging` };
    return { type: "success", text: "CONTINUOUS" };
  }
  if (state === "STALLED" || state === "DISCONNECTED") return { type: "error", text: state };
  if (state === "PAUSED" || state === "STOPPED") return { type: "stopped", text: state };
  return { type: "in-progress", text: state };
}

export function formatLag(seconds?: number | null, raw?: string | null): string {
  if (seconds == null) return raw ?? "—";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60 ? `${seconds % 60} s` : ""}`.trim();
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

const SEVERITY: Record<string, number> = { error: 0, warning: 1, "in-progress": 2, stopped: 3, success: 4 };

/** Orders servers worst first (errors, then warnings, …), the way a coordinator triages. */
export function byHealth(a: SourceServer, b: SourceServer): number {
  return (SEVERITY[replicationStatus(a).type] ?? 5) - (SEVERITY[replicationStatus(b).type] ?? 5);
}

/** "8 s ago", "3 min ago", "3 h ago", or a date for anything older than a day. */
export function ago(rfc3339: string, now: Date = new Date()): string {
  const t = new Date(rfc3339);
  if (Number.isNaN(t.getTime())) return rfc3339;
  const s = Math.max(0, Math.round((now.getTime() - t.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return formatTime(rfc3339);
}

function instanceStatus(state: string): StatusIndicatorProps.Type {
  switch (state) {
    case "running":
      return "success";
    case "stopped":
      return "stopped";
    case "terminated":
    case "shutting-down":
      return "error";
    default:
      return "pending";
  }
}

function ServersTable({ items: all, thresholds }: { items: SourceServer[]; thresholds: Record<string, Thresholds> }) {
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(all, {
    filtering: {
      filteringFunction: (s, text) =>
        [s.name, s.id, s.hostname, s.replicationState, s.target, s.replicationError?.error, ...Object.values(s.tags)]
          .join(" ")
          .toLowerCase()
          .includes(text.toLowerCase()),
      empty: <EmptyState title="No source servers">The targets report no DRS source servers in their recovery regions.</EmptyState>,
      noMatch: <EmptyState title="No match">No source server matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingComparator: byHealth } } },
    pagination: { pageSize: 50 },
  });
  return (
    <Table
      {...collectionProps}
      data-testid="servers-table"
      resizableColumns
      items={items}
      trackBy="id"
      variant="embedded"
      stickyHeader
      filter={<TextFilter {...filterProps} filteringPlaceholder="Find by name, ID, state, error or tag" countText={`${filteredItemsCount} matches`} />}
      pagination={<Pagination {...paginationProps} />}
      columnDefinitions={[
        { id: "name", width: 160, header: "Name", sortingField: "name", cell: (s) => s.name ?? s.hostname ?? s.id },
        { id: "id", width: 190, header: "Source server", sortingField: "id", cell: (s) => s.id },
        {
          id: "state", width: 270,
          header: "Replication",
          sortingComparator: byHealth,
          cell: (s) => {
            const st = replicationStatus(s, thresholds[s.target]);
            return <StatusIndicator type={st.type}>{st.text}</StatusIndicator>;
          },
        },
        {
          id: "lag", width: 110,
          header: "Lag",
          sortingField: "lagSeconds",
          cell: (s) => {
            const t = thresholds[s.target] ?? DEFAULT_THRESHOLDS;
            const lag = s.lagSeconds ?? 0;
            return lag > t.criticalLagSeconds ? (
              <Box color="text-status-error">{formatLag(s.lagSeconds, s.lag)}</Box>
            ) : lag > t.maxLagSeconds ? (
              <Box color="text-status-warning">{formatLag(s.lagSeconds, s.lag)}</Box>
            ) : (
              formatLag(s.lagSeconds, s.lag)
            );
          },
        },
        { id: "seen", width: 150, header: "Agent last seen", sortingField: "lastSeen", cell: (s) => (s.lastSeen ? ago(s.lastSeen) : "—") },
        { id: "tier", width: 80, header: "Tier", cell: (s) => s.tags.Tier ?? "—" },
        { id: "origin", header: "Origin", cell: (s) => s.originRegion ?? "—" },
        { id: "target", header: "Target", sortingField: "target", cell: (s) => s.target },
      ]}
    />
  );
}

function InstancesTable({ items: all }: { items: Ec2Instance[] }) {
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(all, {
    filtering: {
      filteringFunction: (i, text) =>
        [i.name, i.id, i.state, i.privateIp, i.instanceType, i.target, ...Object.entries(i.tags).flat()]
          .join(" ")
          .toLowerCase()
          .includes(text.toLowerCase()),
      empty: <EmptyState title="No instances">The recovery regions hold no EC2 instances.</EmptyState>,
      noMatch: <EmptyState title="No match">No instance matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
    pagination: { pageSize: 50 },
  });
  return (
    <Table
      {...collectionProps}
      data-testid="instances-table"
      resizableColumns
      items={items}
      trackBy="id"
      variant="embedded"
      stickyHeader
      filter={<TextFilter {...filterProps} filteringPlaceholder="Find by name, ID, state, IP or tag" countText={`${filteredItemsCount} matches`} />}
      pagination={<Pagination {...paginationProps} />}
      columnDefinitions={[
        { id: "name", width: 160, header: "Name", sortingField: "name", cell: (i) => i.name ?? "—" },
        { id: "id", width: 200, header: "Instance", sortingField: "id", cell: (i) => i.id },
        { id: "state", width: 130, header: "State", sortingField: "state", cell: (i) => <StatusIndicator type={instanceStatus(i.state)}>{i.state}</StatusIndicator> },
        {
          id: "tag",
          width: 130,
          header: "AWSDRS tag",
          cell: (i) =>
            i.tags.AWSDRS === "AllowLaunchingIntoThisInstance" ? (
              <StatusIndicator type="success">present</StatusIndicator>
            ) : (
              <StatusIndicator type="warning">missing</StatusIndicator>
            ),
        },
        { id: "type", header: "Type", sortingField: "instanceType", cell: (i) => i.instanceType ?? "—" },
        { id: "ip", header: "Private IP", sortingField: "privateIp", cell: (i) => i.privateIp ?? "—" },
        { id: "arch", header: "Architecture", sortingField: "architecture", cell: (i) => i.architecture ?? "—" },
        { id: "region", header: "Region", cell: (i) => i.region },
      ]}
    />
  );
}

export function InventoryPage() {
  const inventory = useLoad(() => backend.inventory());
  const thresholds = useLoad(() => backend.thresholds().catch(() => ({}) as Record<string, Thresholds>));
  const data = inventory.data;
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="DRS source servers and the EC2 instances in the recovery regions, read from every target."
          actions={
            <Button iconName="refresh" loading={inventory.loading} onClick={() => void inventory.reload()} data-testid="refresh-inventory">
              Refresh
            </Button>
          }
        >
          Inventory
        </Header>
      }
    >
      <SpaceBetween size="l">
        {inventory.error && <ErrorState error={inventory.error} onRetry={inventory.reload} />}
        {data?.failures.map((f) => (
          <Alert key={f.target} type="error" header={`Target "${f.target}" could not be read`}>
            {f.message}
          </Alert>
        ))}
        {inventory.loading && !data ? (
          <Box padding="l" textAlign="center">
            <StatusIndicator type="loading">Reading source servers and instances from every target…</StatusIndicator>
          </Box>
        ) : data ? (
          <Tabs
            tabs={[
              { id: "servers", label: `Source servers (${data.sourceServers.length})`, content: <ServersTable items={data.sourceServers} thresholds={thresholds.data ?? {}} /> },
              { id: "instances", label: `Recovery-region instances (${data.instances.length})`, content: <InstancesTable items={data.instances} /> },
            ]}
          />
        ) : null}
      </SpaceBetween>
    </ContentLayout>
  );
}
