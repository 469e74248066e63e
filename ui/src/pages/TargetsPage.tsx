import Alert from "@cloudscape-design/components/alert";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Header from "@cloudscape-design/components/header";
import Modal from "@cloudscape-design/components/modal";
import SpaceBetween from "@cloudscape-design/components/space-between";
import StatusIndicator from "@cloudscape-design/components/status-indicator";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useCollection } from "@cloudscape-design/collection-hooks";
import { useState } from "react";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { useIdentity } from "../components/identity";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { CredentialSource, Target } from "../types";
import { TargetForm } from "./TargetForm";

/** One line saying where a target's credentials come from (never a secret). */
export function credentials(c: CredentialSource): string {
  switch (c.kind) {
    case "sandbox":
      return "Sandbox (no AWS account)";
    case "profile":
      return `Profile ${c.profile}`;
    case "assumeRole":
      return `Role ${c.roleArn} via ${c.viaKind === "target" ? "target" : "profile"} ${c.via}${c.externalIdStored ? " · external ID in keychain" : ""}`;
    case "accessKeys":
      return `Access key ${c.accessKeyId} · secret${c.sessionTokenStored ? " and session token" : ""} in keychain`;
  }
}

export function TargetsPage() {
  const targets = useLoad(() => backend.targets());
  const info = useLoad(() => backend.appInfo());
  const identity = useIdentity();
  const { notify } = useFlash();
  const [selected, setSelected] = useState<Target[]>([]);
  const [form, setForm] = useState<{ editing: Target | null } | null>(null);
  const [removing, setRemoving] = useState<Target | null>(null);
  const [removeError, setRemoveError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const current = selected[0];
  const { items, collectionProps, filterProps, filteredItemsCount } = useCollection(targets.data ?? [], {
    filtering: {
      filteringFunction: (t, text) =>
        [t.name, t.accountId, t.primaryRegion, t.recoveryRegion, credentials(t.credentials)].some((f) => f.toLowerCase().includes(text.toLowerCase())),
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
  });

  const remove = async (t: Target) => {
    setBusy(true);
    setRemoveError(undefined);
    try {
      await backend.removeTarget(t.name);
      identity.forget(t.name);
      setRemoving(null);
      setSelected([]);
      notify("success", `Target ${t.name} and its keychain entries were removed.`);
      targets.reload();
    } catch (e) {
      setRemoveError(toBackendError(e).message);
    } finally {
      setBusy(false);
    }
  };

  if (targets.error) return <ErrorState error={targets.error} onRetry={targets.reload} />;
  const keychainProblem = info.data?.keychain === "unavailable" ? info.data.keychainError : null;
  return (
    <SpaceBetween size="m">
      {keychainProblem && (
        <Alert type="warning" header="The OS keychain is not available" data-testid="keychain-alert">
          {keychainProblem} Targets with access keys or an external ID cannot be added or used until it is; profile and sandbox targets work.
        </Alert>
      )}
      <Table
        {...collectionProps}
        data-testid="targets-table"
        variant="full-page"
        loading={targets.loading}
        loadingText="Loading targets"
        items={items}
        trackBy="name"
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        wrapLines
        filter={
          <TextFilter
            {...filterProps}
            filteringPlaceholder="Find targets"
            countText={filteredItemsCount === undefined ? undefined : `${filteredItemsCount} matches`}
          />
        }
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={targets.data ? `(${targets.data.length})` : undefined}
            description="The AWS accounts and regions the app works in, and whose credentials it uses. Secrets stay in the OS keychain."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button
                  disabled={!current}
                  loading={current && identity.checks[current.name]?.state === "testing"}
                  onClick={() => current && void identity.test(current.name)}
                  data-testid="test-target"
                >
                  Test connection
                </Button>
                <Button disabled={!current} onClick={() => current && identity.choose(current.name)} data-testid="use-target">
                  Act as this target
                </Button>
                <Button disabled={!current} onClick={() => current && (setRemoveError(undefined), setRemoving(current))} data-testid="remove-target">
                  Remove
                </Button>
                <Button disabled={!current} onClick={() => current && setForm({ editing: current })} data-testid="edit-target">
                  Edit
                </Button>
                <Button variant="primary" onClick={() => setForm({ editing: null })} data-testid="add-target">
                  Add target
                </Button>
              </SpaceBetween>
            }
          >
            Targets
          </Header>
        }
        empty={
          <EmptyState title="No targets">
            <Button onClick={() => setForm({ editing: null })}>Add target</Button>
          </EmptyState>
        }
        columnDefinitions={[
          {
            id: "name",
            header: "Name",
            cell: (t) => (t.name === identity.active ? <b>{t.name}</b> : t.name),
            sortingField: "name",
            sortingComparator: (a, b) => a.name.localeCompare(b.name),
          },
          { id: "account", header: "Account", cell: (t) => t.accountId, sortingField: "accountId" },
          { id: "regions", header: "Primary → recovery region", cell: (t) => `${t.primaryRegion} → ${t.recoveryRegion}`, sortingField: "recoveryRegion" },
          { id: "creds", header: "Credentials", cell: (t) => credentials(t.credentials) },
          {
            id: "endpoint",
            header: "Endpoint",
            cell: (t) =>
              t.endpointUrl ?? (
                <Box color="text-status-inactive">
                  {t.credentials.kind === "sandbox" ? "built-in" : t.credentials.kind === "assumeRole" && t.credentials.viaKind === "target" ? `as ${t.credentials.via}` : "AWS"}
                </Box>
              ),
          },
          {
            id: "identity",
            header: "Acting as",
            cell: (t) => {
              const c = identity.checks[t.name];
              if (!c) return <Box color="text-status-inactive">not tested</Box>;
              if (c.state === "testing") return <StatusIndicator type="loading">Testing…</StatusIndicator>;
              if (c.state === "ok")
                return (
                  <SpaceBetween size="xxs">
                    <StatusIndicator type="success">{c.arn}</StatusIndicator>
                    <Box variant="small" data-testid="target-endpoints">
                      {c.endpoints.map((e) => `${e.service.toUpperCase()}: ${e.url}`).join(" · ")}
                    </Box>
                  </SpaceBetween>
                );
              return <StatusIndicator type="error">{c.message}</StatusIndicator>;
            },
          },
        ]}
      />
      {form && (
        <TargetForm
          editing={form.editing}
          targets={targets.data ?? []}
          keychainProblem={keychainProblem}
          onClose={() => setForm(null)}
          onSaved={(t) => {
            setForm(null);
            identity.forget(t.name);
            notify("success", `Target ${t.name} was ${form.editing ? "saved" : "added"}. Test the connection to see who the app acts as.`);
            targets.reload();
            setSelected([t]);
          }}
        />
      )}
      {removing && (
        <Modal
          visible
          onDismiss={() => setRemoving(null)}
          header={`Remove target ${removing.name}?`}
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => setRemoving(null)}>
                  Cancel
                </Button>
                <Button variant="primary" loading={busy} onClick={() => void remove(removing)} data-testid="confirm-remove">
                  Remove
                </Button>
              </SpaceBetween>
            </Box>
          }
        >
          <SpaceBetween size="s">
            {removeError && <Alert type="error">{removeError}</Alert>}
            <Box>
              The target and any secret kept for it in the OS keychain are removed. Protection groups or role targets that use it must be changed first.
            </Box>
          </SpaceBetween>
        </Modal>
      )}
    </SpaceBetween>
  );
}
