import Box from "@cloudscape-design/components/box";
import CopyToClipboard from "@cloudscape-design/components/copy-to-clipboard";
import Header from "@cloudscape-design/components/header";
import Table from "@cloudscape-design/components/table";
import { backend } from "../backend";
import type { FeaturePermissions } from "../types";
import { useLoad } from "./useLoad";

/** An IAM policy allowing every action of `features`, sorted, without repeats. */
export function iamPolicy(features: FeaturePermissions[]): string {
  const actions = [...new Set(features.flatMap((f) => f.actions))].sort();
  return JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "DrsOrchestrator", Effect: "Allow", Action: actions, Resource: "*" }] }, null, 2);
}

/** The IAM actions each feature calls, and a policy granting them. */
export function PermissionsPanel() {
  const list = useLoad(() => backend.permissions());
  return (
    <Table
      data-testid="permissions"
      loading={list.loading}
      loadingText="Reading the app's permissions"
      items={list.data ?? []}
      trackBy="id"
      wrapLines
      header={
        <Header
          variant="h2"
          description="Exactly what the app calls in AWS, per feature. When AWS refuses one, the app names the action."
          actions={list.data && <CopyToClipboard variant="button" textToCopy={iamPolicy(list.data)} copyButtonText="Copy IAM policy" copySuccessText="IAM policy copied" copyErrorText="Could not copy" />}
        >
          AWS permissions
        </Header>
      }
      columnDefinitions={[
        { id: "feature", header: "Feature", cell: (f) => f.feature },
        { id: "scope", header: "Where", cell: (f) => f.scope },
        { id: "actions", header: "IAM actions", cell: (f) => <Box fontSize="body-s">{f.actions.join(", ")}</Box> },
      ]}
      empty={list.error ? <Box color="text-status-error">{list.error.message}</Box> : <Box>No feature.</Box>}
    />
  );
}
