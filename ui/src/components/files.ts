// Native file dialogs (Tauri dialog plugin). For automated end-to-end runs, where native dialogs
// cannot be driven, the path can be preset in sessionStorage under "drs.e2e.path".
import { open, save } from "@tauri-apps/plugin-dialog";

const YAML = [{ name: "YAML", extensions: ["yaml", "yml"] }];

function preset(): string | null {
  try {
    return window.sessionStorage.getItem("drs.e2e.path");
  } catch {
    return null;
  }
}

export async function chooseYamlToOpen(): Promise<string | null> {
  const p = preset();
  if (p) return p;
  const picked = await open({ multiple: false, directory: false, filters: YAML, title: "Import plans and groups" });
  return typeof picked === "string" ? picked : null;
}

export async function chooseYamlToSave(defaultName: string): Promise<string | null> {
  const p = preset();
  if (p) return p;
  return save({ defaultPath: `${defaultName}.yaml`, filters: YAML, title: "Export as YAML" });
}

/** The native save dialog for a report (PDF or CSV). */
export async function chooseReportToSave(fileName: string, format: "pdf" | "csv"): Promise<string | null> {
  const p = preset();
  if (p) return p;
  const filters = format === "pdf" ? [{ name: "PDF", extensions: ["pdf"] }] : [{ name: "CSV", extensions: ["csv"] }];
  return save({ defaultPath: fileName, filters, title: "Save report" });
}

/** The native folder picker (where scheduled reports go). */
export async function chooseFolder(title: string): Promise<string | null> {
  const p = preset();
  if (p) return p;
  const picked = await open({ multiple: false, directory: true, title });
  return typeof picked === "string" ? picked : null;
}
