import Box from "@cloudscape-design/components/box";
import Button from "@cloudscape-design/components/button";
import Header from "@cloudscape-design/components/header";
import SpaceBetween from "@cloudscape-design/components/space-between";
import Table from "@cloudscape-design/components/table";
import { useEffect, useState } from "react";
import { backend, toBackendError } from "../backend";
import type { RevisionInfo, StoredPlan } from "../types";
import { formatTime } from "../pages/format";
import { useFlash } from "./flash";
import { ErrorState } from "./PageState";
import { useLoad } from "./useLoad";

/** A plan's revisions: pick one to see what changed since, and restore it. */
export function RevisionHistory({ name, current, onRestored }: { name: string; current: number; onRestored: (p: StoredPlan) => void }) {
  const { notify } = useFlash();
  const revisions = useLoad(() => backend.revisions(name), [name, current]);
  const [selected, setSelected] = useState<RevisionInfo[]>([]);
  const [diff, setDiff] = useState<string>();
  const picked = selected[0];

  useEffect(() => {
    setDiff(undefined);
    if (!picked || picked.revision === current) return;
    backend
      .diff(name, picked.revision, current)
      .then(setDiff)
      .catch((e) => setDiff(`Could not compute the difference: ${toBackendError(e).message}`));
  }, [name, picked, current]);

  if (revisions.error) return <ErrorState error={revisions.error} onRetry={revisions.reload} />;
  return (
    <SpaceBetween size="l">
      <Table
        data-testid="revisions-table"
        loading={revisions.loading}
        loadingText="Loading revisions"
        items={revisions.data ?? []}
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems)}
        trackBy="revision"
        empty={<Box textAlign="center">No revisions</Box>}
        header={
          <Header
            counter={revisions.data ? `(${revisions.data.length})` : undefined}
            description="Every save is a revision. Select one to compare it with the current revision."
            actions={
              <Button
                disabled={!picked || picked.revision === current}
                onClick={async () => {
                  if (!picked) return;
                  try {
                    const restored = await backend.restore(name, picked.revision);
                    notify("success", `Restored revision ${picked.revision} as revision ${restored.revision}.`);
                    setSelected([]);
                    onRestored(restored);
                  } catch (e) {
                    notify("error", toBackendError(e).message, "Restore failed");
                  }
                }}
              >
                Restore selected
              </Button>
            }
          >
            Revisions
          </Header>
        }
        columnDefinitions={[
          { id: "rev", header: "Revision", cell: (r) => (r.revision === current ? `${r.revision} (current)` : r.revision) },
          { id: "at", header: "Saved", cell: (r) => formatTime(r.createdAt) },
          { id: "by", header: "By", cell: (r) => r.author },
          { id: "msg", header: "Note", cell: (r) => r.message },
        ]}
      />
      {picked && picked.revision !== current && (
        <div data-testid="revision-diff">
          <Header variant="h3">
            Changes from revision {picked.revision} to {current}
          </Header>
          <pre style={{ background: "#f4f4f4", padding: 12, borderRadius: 8, overflow: "auto", fontSize: 12 }}>
            {diff === undefined
              ? "Computing…"
              : diff === ""
                ? "No differences."
                : diff.split("\n").map((line, i) => (
                    <div
                      key={i}
                      style={{
                        color: line.startsWith("+") && !line.startsWith("+++") ? "#037f0c" : line.startsWith("-") && !line.startsWith("---") ? "#d91515" : undefined,
                      }}
                    >
                      {line || " "}
                    </div>
                  ))}
          </pre>
        </div>
      )}
    </SpaceBetween>
  );
}
