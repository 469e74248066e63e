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
