import { useCollection } from "@cloudscape-design/collection-hooks";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ButtonDropdown from "@cloudscape-design/components/button-dropdown";
import Header from "@cloudscape-design/components/header";
import Link from "@cloudscape-design/components/link";
import Modal from "@cloudscape-design/components/modal";
import Pagination from "@cloudscape-design/components/pagination";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Table from "@cloudscape-design/components/table";
import TextFilter from "@cloudscape-design/components/text-filter";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { backend, toBackendError } from "../backend";
import { useFlash } from "../components/flash";
import { ImportButton } from "../components/ImportButton";
import { EmptyState, ErrorState } from "../components/PageState";
import { useLoad } from "../components/useLoad";
import type { ProtectionGroup } from "../types";

export function selectorText(g: ProtectionGroup): string {
  if (g.selector.sourceServerIds) return `${g.selector.sourceServerIds.length} listed server(s)`;
  return Object.entries(g.selector.tags ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(" AND ");
}

export function GroupsPage() {
  const navigate = useNavigate();
  const { notify } = useFlash();
  const groups = useLoad(() => backend.groups());
  const [selected, setSelected] = useState<ProtectionGroup[]>([]);
  const [confirm, setConfirm] = useState(false);
  const current = selected[0];
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(groups.data ?? [], {
    filtering: {
      filteringFunction: (g, text) => `${g.name} ${g.target} ${selectorText(g)}`.toLowerCase().includes(text.toLowerCase()),
      empty: (
        <EmptyState title="No protection groups" action={<Button onClick={() => navigate("/groups/new")}>Create protection group</Button>}>
          A protection group picks source servers by tags or IDs and says how they launch.
        </EmptyState>
      ),
      noMatch: <EmptyState title="No match">No group matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
    pagination: { pageSize: 20 },
    selection: {},
  });

  if (groups.error) return <ErrorState error={groups.error} onRetry={groups.reload} />;
  return (
    <>
      <Table
        {...collectionProps}
        data-testid="groups-table"
        variant="full-page"
        loading={groups.loading}
        loadingText="Loading protection groups"
        items={items}
        trackBy="name"
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={groups.data ? `(${groups.data.length})` : undefined}
            description="Named sets of source servers in one target, with launch settings."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <ImportButton onImported={groups.reload} />
                <ButtonDropdown
                  disabled={!current}
                  data-testid="group-actions"
                  items={[
                    { id: "launch", text: "Launch settings: review and apply" },
                    { id: "export", text: "Export YAML" },
                    { id: "delete", text: "Delete" },
                  ]}
                  onItemClick={async (e) => {
                    if (!current) return;
                    if (e.detail.id === "delete") setConfirm(true);
                    if (e.detail.id === "launch") navigate(`/groups/launch/${encodeURIComponent(current.name)}`);
                    if (e.detail.id === "export") {
                      backend
                        .exportGroupFile(current.name)
                        .then((path) => path && notify("success", `Exported "${current.name}" to ${path}.`))
                        .catch((err) => notify("error", toBackendError(err).message, "Export failed"));
                    }
                  }}
                >
                  Actions
                </ButtonDropdown>
                <Button variant="primary" onClick={() => navigate("/groups/new")} data-testid="create-group">
                  Create protection group
                </Button>
              </SpaceBetween>
            }
          >
            Protection groups
          </Header>
        }
        filter={<TextFilter {...filterProps} filteringPlaceholder="Find groups" countText={`${filteredItemsCount} matches`} />}
        pagination={<Pagination {...paginationProps} />}
        columnDefinitions={[
          {
            id: "name",
            header: "Name",
            sortingField: "name",
            cell: (g) => (
              <Link
                href={`#/groups/edit/${encodeURIComponent(g.name)}`}
                onFollow={(e) => {
                  e.preventDefault();
                  navigate(`/groups/edit/${encodeURIComponent(g.name)}`);
                }}
              >
                {g.name}
              </Link>
            ),
          },
          { id: "target", header: "Target", sortingField: "target", cell: (g) => g.target },
          { id: "selector", header: "Servers", cell: selectorText },
          {
            id: "launch",
            header: "Launch",
            cell: (g) => (g.launch.launchMode === "preProvisioned" ? "Into pre-provisioned DR instances" : "New instances"),
          },
          { id: "overrides", header: "Overrides", cell: (g) => g.overrides?.length ?? 0 },
        ]}
      />
      <Modal
        visible={confirm}
        onDismiss={() => setConfirm(false)}
        header={`Delete protection group "${current?.name}"?`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirm(false)}>
                Cancel
              </Button>
              <Button
                variant="primary"
                onClick={async () => {
                  if (!current) return;
                  try {
                    await backend.deleteGroup(current.name);
                    notify("success", `Deleted "${current.name}".`);
                    setSelected([]);
                    void groups.reload();
                  } catch (err) {
                    notify("error", toBackendError(err).message, "The group was not deleted");
                  }
                  setConfirm(false);
                }}
              >
                Delete
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        Plans that use the group must drop it first.
      </Modal>
    </>
  );
}
