import Box from "@cloudscape-design/components/box";
import Header from "@cloudscape-design/components/header";
import Table from "@cloudscape-design/components/table";
import { backend } from "../backend";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { CredentialSource } from "../types";

function credentials(c: CredentialSource): string {
  switch (c.kind) {
    case "sandbox":
      return "Built-in sandbox (no AWS account)";
    case "profile":
      return `Profile ${c.profile}`;
    case "assumeRole":
      return `Role ${c.roleArn} via ${c.via}`;
    case "accessKeys":
      return `Access key ${c.accessKeyId} (secret in the OS keychain)`;
  }
}

export function TargetsPage() {
  const targets = useLoad(() => backend.targets());
  if (targets.error) return <ErrorState error={targets.error} onRetry={targets.reload} />;
  return (
    <Table
      data-testid="targets-table"
      variant="full-page"
      loading={targets.loading}
      loadingText="Loading targets"
      items={targets.data ?? []}
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={targets.data ? `(${targets.data.length})` : undefined}
          description="AWS accounts and regions the app talks to. Adding accounts with profiles, SSO, roles or keys in the OS keychain arrives with targets and credentials; until then the built-in sandbox target is used."
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
        { id: "endpoint", header: "Endpoint", cell: (t) => t.endpointUrl ?? <Box color="text-status-inactive">default</Box> },
      ]}
    />
  );
}
