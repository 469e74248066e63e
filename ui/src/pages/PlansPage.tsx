import { useCollection } from "@cloudscape-design/collection-hooks";
import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import ButtonDropdown from "@cloudscape-design/components/button-dropdown";
import FormField from "@cloudscape-design/components/form-field";
import Header from "@cloudscape-design/components/header";
import Input from "@cloudscape-design/components/input";
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
import type { PlanSummary } from "../types";
import { formatTime } from "./format";
import { ReadinessStatus } from "./ReadinessPage";

export function PlansPage() {
  const navigate = useNavigate();
  const { notify } = useFlash();
  const plans = useLoad(() => backend.plans());
  // Readiness is an extra: a failure to read it leaves the column "not checked".
  const readiness = useLoad(() => backend.readinessList().catch(() => []));
  const [selected, setSelected] = useState<PlanSummary[]>([]);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [cloneName, setCloneName] = useState<string | null>(null);
  const [cloneError, setCloneError] = useState<string>();
  const current = selected[0];

  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(plans.data ?? [], {
    filtering: {
      empty: (
        <EmptyState
          title="No recovery plans"
          action={<Button onClick={() => navigate("/plans/new")}>Create plan</Button>}
        >
          A plan puts protection groups into waves that launch in order. Create one, or import a YAML file.
        </EmptyState>
      ),
      noMatch: <EmptyState title="No match">No plan matches the filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: "name" } } },
    pagination: { pageSize: 20 },
    selection: {},
  });

  const remove = async () => {
    if (!current) return;
    try {
      await backend.deletePlan(current.name);
      notify("success", `Deleted plan "${current.name}".`);
      setSelected([]);
      void plans.reload();
    } catch (e) {
      notify("error", toBackendError(e).message, "The plan was not deleted");
    }
    setConfirmDelete(false);
  };

  const clone = async () => {
    if (!current || cloneName === null) return;
    try {
      await backend.clonePlan(current.name, cloneName);
      notify("success", `Cloned "${current.name}" as "${cloneName}".`);
      setCloneName(null);
      void plans.reload();
    } catch (e) {
      setCloneError(toBackendError(e).message);
    }
  };

  const exportPlan = async () => {
    if (!current) return;
    try {
      const path = await backend.exportPlanFile(current.name);
      if (path) notify("success", `Exported "${current.name}" to ${path}.`);
    } catch (e) {
      notify("error", toBackendError(e).message, "Export failed");
    }
  };

  if (plans.error) return <ErrorState error={plans.error} onRetry={plans.reload} />;

  return (
    <>
      <Table
        {...collectionProps}
        data-testid="plans-table"
        variant="full-page"
        loading={plans.loading}
        loadingText="Loading plans"
        items={items}
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        trackBy="name"
        wrapLines
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={plans.data ? `(${plans.data.length})` : undefined}
            description="Ordered waves of protection groups, with dependencies, approvals and an RTO target. Every save is a revision."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <ImportButton onImported={plans.reload} />
                <Button disabled={!current} onClick={() => current && navigate(`/plans/readiness/${encodeURIComponent(current.name)}`)} data-testid="plan-readiness">
                  Readiness
                </Button>
                <Button disabled={!current} onClick={() => current && navigate(`/plans/lifecycle/${encodeURIComponent(current.name)}`)} data-testid="plan-lifecycle">
                  Failback
                </Button>
                <Button disabled={!current} onClick={() => current && navigate(`/plans/native/${encodeURIComponent(current.name)}`)} data-testid="plan-native">
                  Publish to DRS
                </Button>
                <ButtonDropdown
                  disabled={!current}
                  items={[
                    { id: "pairs", text: "Pairs" },
                    { id: "clone", text: "Clone" },
                    { id: "export", text: "Export YAML" },
                    { id: "delete", text: "Delete" },
                  ]}
                  onItemClick={(e) => {
                    if (e.detail.id === "delete") setConfirmDelete(true);
                    if (e.detail.id === "clone") {
                      setCloneError(undefined);
                      setCloneName(`${current?.name} copy`);
                    }
                    if (e.detail.id === "export") void exportPlan();
                    if (e.detail.id === "pairs" && current) navigate(`/pairs?plan=${encodeURIComponent(current.name)}`);
                  }}
                >
                  Actions
                </ButtonDropdown>
                <Button variant="primary" data-testid="create-plan" onClick={() => navigate("/plans/new")}>
                  Create plan
                </Button>
              </SpaceBetween>
            }
          >
            Recovery plans
          </Header>
        }
        filter={<TextFilter {...filterProps} filteringPlaceholder="Find plans" countText={`${filteredItemsCount} matches`} />}
        pagination={<Pagination {...paginationProps} />}
        columnDefinitions={[
          {
            id: "name",
            header: "Name",
            sortingField: "name",
            cell: (p) => (
              <Link
                href={`#/plans/edit/${encodeURIComponent(p.name)}`}
                onFollow={(e) => {
                  e.preventDefault();
                  navigate(`/plans/edit/${encodeURIComponent(p.name)}`);
                }}
              >
                {p.name}
              </Link>
            ),
          },
          { id: "description", header: "Description", cell: (p) => p.description || "—" },
          { id: "waves", header: "Waves", sortingField: "waves", cell: (p) => p.waves },
          { id: "groups", header: "Groups", sortingField: "groups", cell: (p) => p.groups },
          {
            id: "rto",
            header: "RTO target",
            sortingField: "rtoTargetMinutes",
            cell: (p) => (p.rtoTargetMinutes ? `${p.rtoTargetMinutes} min` : "not set"),
          },
          {
            id: "readiness",
            header: "Readiness",
            minWidth: 150,
            cell: (p) => {
              const r = readiness.data?.find((x) => x.plan === p.name);
              return (
                <Link
                  href={`#/plans/readiness/${encodeURIComponent(p.name)}`}
                  onFollow={(e) => {
                    e.preventDefault();
                    navigate(`/plans/readiness/${encodeURIComponent(p.name)}`);
                  }}
                >
                  <ReadinessStatus summary={r} />
                </Link>
              );
            },
          },
          { id: "revision", header: "Revision", sortingField: "revision", cell: (p) => p.revision },
          { id: "updated", header: "Last saved", sortingField: "updatedAt", cell: (p) => formatTime(p.updatedAt) },
          { id: "by", header: "By", sortingField: "updatedBy", cell: (p) => p.updatedBy },
        ]}
      />
      <Modal
        visible={confirmDelete}
        onDismiss={() => setConfirmDelete(false)}
        header={`Delete plan "${current?.name}"?`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirmDelete(false)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={remove} data-testid="confirm-delete">
                Delete
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        The plan and its {current?.revision} revision(s) are removed. The audit log keeps a record of the deletion.
      </Modal>
      <Modal
        visible={cloneName !== null}
        onDismiss={() => setCloneName(null)}
        header={`Clone "${current?.name}"`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setCloneName(null)}>
                Cancel
              </Button>
              <Button variant="primary" onClick={clone}>
                Clone
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        <FormField label="Name of the copy" errorText={cloneError}>
          <Input value={cloneName ?? ""} onChange={(e) => setCloneName(e.detail.value)} />
        </FormField>
      </Modal>
    </>
  );
}
