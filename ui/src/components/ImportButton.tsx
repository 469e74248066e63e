import Button from "@cloudscape-design/components/button";
import { useState } from "react";
import { backend, toBackendError } from "../backend";
import { useFlash } from "./flash";

/** Imports a YAML file of plans and groups: all of it or, if anything is invalid, nothing. */
export function ImportButton({ onImported }: { onImported: () => void }) {
  const { notify } = useFlash();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      iconName="upload"
      loading={busy}
      data-testid="import-yaml"
      onClick={async () => {
        setBusy(true);
        try {
          const out = await backend.importFile();
          if (!out) return;
          const parts = [
            ...out.summary.groups.map((g) => `group "${g}"`),
            ...out.summary.plans.map(([p, r]) => `plan "${p}" (revision ${r})`),
          ];
          notify("success", `Imported ${parts.join(", ")}.` + (out.warnings.length ? ` ${out.warnings.length} warning(s).` : ""));
          onImported();
        } catch (e) {
          const err = toBackendError(e);
          notify(
            "error",
            <div style={{ whiteSpace: "pre-wrap" }}>
              {err.problems?.length
                ? err.problems.map((p) => `line ${p.line ?? "?"}, column ${p.column ?? "?"}: ${p.path} — ${p.message}`).join("\n")
                : err.message}
            </div>,
            "Nothing was imported",
          );
        } finally {
          setBusy(false);
        }
      }}
    >
      Import YAML
    </Button>
  );
}
