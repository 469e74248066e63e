import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Header from "@cloudscape-design/components/header";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import { useState } from "react";
import { backend, toBackendError } from "../backend";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { CredentialSource, Target } from "../types";

function credentials(c: CredentialSource): string {
  switch (c.kind) {
    case "sandbox":
      return "Sandbox (no AWS account)";
    case "profile":
      return `Profile ${c.profile}`;
    case "assumeRole":
      return `Role ${c.roleArn} via ${c.via}`;
    case "accessKeys":
      return `Access key ${c.accessKeyId} (secret in the OS keychain)`;
  }
}

type Check = { state: "testing" } | { state: "ok"; arn: string } | { state: "failed"; message: string };

export function TargetsPage() {
  const targets = useLoad(() => backend.targets());
  const [selected, setSelected] = useState<Target[]>([]);
  const [checks, setChecks] = useState<Record<string, Check>>({});
  const current = selected[0];

  const test = async (name: string) => {
    setChecks((c) => ({ ...c, [name]: { state: "testing" } }));
    try {
      const me = await backend.testTarget(name);
      setChecks((c) => ({ ...c, [name]: { state: "ok", arn: me.arn } }));
    } catch (e) {
      setChecks((c) => ({ ...c, [name]: { state: "failed", message: toBackendError(e).message } }));
    }
  };

  if (targets.error) return <ErrorState error={targets.error} onRetry={targets.reload} />;
  return (
    <Table
      data-testid="targets-table"
      variant="full-page"
      loading={targets.loading}
      loadingText="Loading targets"
      items={targets.data ?? []}
      trackBy="name"
      selectionType="single"
      selectedItems={selected}
      onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
      wrapLines
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={targets.data ? `(${targets.data.length})` : undefined}
          description="AWS accounts and regions the app talks to. Add them with the command line (drs-orchestrator target add: profiles, roles, an external sandbox); keys kept in the OS keychain arrive with targets and credentials."
          actions={
            <Button disabled={!current} loading={current && checks[current.name]?.state === "testing"} onClick={() => current && void test(current.name)} data-testid="test-target">
              Test connection
            </Button>
          }
        >
          Targets
        </Header>
      }
      empty={<EmptyState title="No targets">The sandbox target is created when the app starts.</EmptyState>}
      columnDefinitions={[
        { id: "name", header: "Name", cell: (t) => t.name },
        { id: "account", header: "Account", cell: (t) => t.accountId },
        { id: "regions", header: "Primary → recovery region", cell: (t) => `${t.primaryRegion} → ${t.recoveryRegion}` },
        { id: "creds", header: "Credentials", cell: (t) => credentials(t.credentials) },
        { id: "endpoint", header: "Endpoint", cell: (t) => t.endpointUrl ?? <Box color="text-status-inactive">{t.credentials.kind === "sandbox" ? "built-in" : "AWS"}</Box> },
        {
          id: "identity",
          header: "Acting as",
          cell: (t) => {
            const c = checks[t.name];
            if (!c) return <Box color="text-status-inactive">not tested</Box>;
            if (c.state === "testing") return <StatusIndicator type="loading">Testing…</StatusIndicator>;
            if (c.state === "ok") return <StatusIndicator type="success">{c.arn}</StatusIndicator>;
            return <StatusIndicator type="error">{c.message}</StatusIndicator>;
          },
        },
      ]}
    />
  );
}
