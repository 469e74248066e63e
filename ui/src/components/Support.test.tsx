import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DiagnosticsText } from "../types";
import { BackgroundProblems, SupportPanel } from "./Support";

const api = vi.hoisted(() => ({ backgroundProblems: vi.fn(), diagnostics: vi.fn() }));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const diagnostics: DiagnosticsText = {
  diagnostics: {
    version: "0.1.0",
    platform: "linux x86_64",
    dataDir: "/home/alice/.local/share/drs-orchestrator",
    database: "/home/alice/.local/share/drs-orchestrator/drs-orchestrator.db",
    storeError: null,
    logDir: "/home/alice/.local/share/drs-orchestrator/logs",
    logFile: "/home/alice/.local/share/drs-orchestrator/logs/drs-orchestrator.2026-12-01.log",
    actor: "local:alice",
    keychain: "ok",
    targets: [],
    unfinishedExecutions: 0,
    accessWarnings: [],
    backgroundProblems: [],
  },
  text: "DRS Orchestrator 0.1.0\ntarget Prod: access key AKIA…3456",
};

beforeEach(() => {
  for (const f of Object.values(api)) f.mockReset();
});
afterEach(() => vi.useRealTimers());

describe("background problems", () => {
  it("shows nothing while all is well, then what fails, then nothing once it works again", async () => {
    api.backgroundProblems.mockResolvedValueOnce([]);
    api.backgroundProblems.mockResolvedValueOnce([{ what: "report schedule", message: "folder /mnt/share is not writable", at: "2026-12-01T06:00:00Z" }]);
    api.backgroundProblems.mockResolvedValue([]);
    render(<BackgroundProblems pollMs={20} />);
    const alert = await screen.findByTestId("background-problems");
    expect(alert).toHaveTextContent("report schedule");
    expect(alert).toHaveTextContent("folder /mnt/share is not writable");
    await waitFor(() => expect(screen.queryByTestId("background-problems")).not.toBeInTheDocument());
    expect(api.backgroundProblems.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it("stays quiet when the call itself fails", async () => {
    api.backgroundProblems.mockRejectedValue({ code: "internal", message: "boom" });
    render(<BackgroundProblems pollMs={60_000} />);
    await waitFor(() => expect(api.backgroundProblems).toHaveBeenCalled());
    expect(screen.queryByTestId("background-problems")).not.toBeInTheDocument();
  });
});

describe("support panel", () => {
  it("shows where the logs are and copies the diagnostics", async () => {
    api.diagnostics.mockResolvedValue(diagnostics);
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    render(<SupportPanel />);
    expect(await screen.findByText(diagnostics.diagnostics.logDir!)).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("copy-diagnostics"));
    expect(await screen.findByText(/Copied/)).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith(diagnostics.text);
  });

  it("shows the text to select when the clipboard refuses", async () => {
    api.diagnostics.mockResolvedValue(diagnostics);
    Object.defineProperty(navigator, "clipboard", { value: { writeText: () => Promise.reject(new Error("denied")) }, configurable: true });
    render(<SupportPanel />);
    await userEvent.click(await screen.findByTestId("copy-diagnostics"));
    expect(await screen.findByTestId("diagnostics-text")).toHaveTextContent("AKIA…3456");
  });

  it("says when the diagnostics cannot be read", async () => {
    api.diagnostics.mockRejectedValue({ code: "store_unavailable", message: "database is locked" });
    await act(async () => {
      render(<SupportPanel />);
    });
    expect(await screen.findByText(/database is locked/)).toBeInTheDocument();
  });
});
