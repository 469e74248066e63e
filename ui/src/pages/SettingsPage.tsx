import Alert from "@cloudscape-design/components/alert";
import Container from "@cloudscape-design/components/container";
import ContentLayout from "@cloudscape-design/components/content-layout";
import Header from "@cloudscape-design/components/header";
import KeyValuePairs from "@cloudscape-design/components/key-value-pairs";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import { backend } from "../backend";
import { ErrorState, Loading } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import { TagSyncPanel, ThresholdsPanel } from "./OperationsSettings";
import { SupportPanel } from "../components/Support";
import { PermissionsPanel } from "../components/PermissionsPanel";

export function SettingsPage() {
  const info = useLoad(() => backend.appInfo());
  if (info.error) return <ErrorState error={info.error} onRetry={info.reload} />;
  if (!info.data) return <Loading what="settings" />;
  const d = info.data;
  return (
    <ContentLayout header={<Header variant="h1">Settings</Header>}>
      <SpaceBetween size="l">
        {d.accessWarnings.length > 0 && (
          <Alert type="warning" header="Other users of this computer can read the app's data" data-testid="access-warnings">
            {d.accessWarnings.map((w) => (
              <div key={w}>{w}</div>
            ))}
          </Alert>
        )}
        <ThresholdsPanel />
        <TagSyncPanel />
        <Container header={<Header variant="h2" description="Set DRS_ORCH_DATA_DIR (or --data-dir on the command line) to use another directory.">Local data</Header>}>
          <KeyValuePairs
            columns={2}
            items={[
              { label: "Version", value: d.version },
              { label: "Edits are recorded as", value: d.actor },
              { label: "Data directory", value: d.dataDir },
              {
                label: "Database",
                value: d.storeError ? (
                  <StatusIndicator type="error">{d.storeError}</StatusIndicator>
                ) : (
                  <StatusIndicator type="success">{d.database}</StatusIndicator>
                ),
              },
            ]}
          />
        </Container>
        <PermissionsPanel />
        <SupportPanel />
      </SpaceBetween>
    </ContentLayout>
  );
}
