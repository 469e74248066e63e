import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import type { Pair, PairsPreview, Readiness } from "../types";
import { PairsPage, tabOf } from "./PairsPage";
import { ReadinessPage } from "./ReadinessPage";

const api = vi.hoisted(() => ({
  plans: vi.fn(),
  readiness: vi.fn(),
  checkReadiness: vi.fn(),
  pairsPreview: vi.fn(),
  applyPairs: vi.fn(),
  undoPairs: vi.fn(),
  setPairOverride: vi.fn(),
  clearPairOverride: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const at = (path: string, route: string, element: React.ReactNode) =>
  render(<RouterProvider router={createMemoryRouter([{ path: route, element: <FlashProvider>{element}</FlashProvider> }], { initialEntries: [path] })} />);

const readiness: Readiness = {
  plan: "retail-dr",
  checkedAt: "2026-11-26T10:00:00Z",
  ready: false,
  blockers: 2,
  warnings: 1,
  servers: 40,
  waves: [{ wave: "data", servers: 14, jobs: 1, batches: 1 }],
  pairs: [],
  byServer: [],
  findings: [
    {
      severity: "blocker",
      check: "pair.stopped",
      wave: "application",
      group: "retail-app",
      serverName: "retail-app-07",
      message: "DR instance i-0d000000000000011: instance state running",
      evidence: "instance state running",
      observedAt: "2026-11-26T10:00:00Z",
      remediation: "stop it (DRS does not): aws ec2 stop-instances --instance-ids i-0d000000000000011",
    },
    {
      severity: "blocker",
      check: "agentSeen",
      wave: "data",
      group: "retail-mq",
      serverName: "retail-mq-03",
      message: "the replication agent was last seen 3 h 12 min ago (threshold 15 min)",
      observedAt: "2026-11-26T10:00:00Z",
    },
    {
      severity: "warning",
      check: "lag",
      wave: "data",
      group: "retail-db",
      serverName: "retail-db-02",
      message: "replication lags 20 min behind (threshold 5 min)",
      evidence: "PT20M",
      observedAt: "2026-11-26T10:00:00Z",
    },
  ],
};

const pair = (over: Partial<Pair>): Pair => ({
  status: "matched",
  group: "retail-web",
  target: "Sandbox",
  sourceServerId: "s-0005e7a1100000001",
  serverName: "retail-web-01",
  instanceId: "i-0d000000000000001",
  instanceName: "retail-web-01",
  matchedBy: "nameTag",
  note: "matched by Name tag",
  checks: [{ check: "launchInto", ok: false, message: "launch configuration launches new instances", fixedByApply: true }],
  ...over,
});

const preview = (): PairsPreview => ({
  readiness: {
    ...readiness,
    pairs: [
      pair({}),
      pair({
        sourceServerId: "s-0005e7a1100000011",
        serverName: "retail-app-07",
        instanceId: "i-0d000000000000011",
        checks: [{ check: "stopped", ok: false, message: "instance state running", fixedByApply: false }],
      }),
      pair({ status: "unmatched", sourceServerId: "s-0005e7a1100000028", serverName: "retail-batch-04", instanceId: undefined, matchedBy: undefined, note: "no DR instance is named \"retail-batch-04\"", checks: [] }),
      pair({ status: "orphan", group: undefined, sourceServerId: undefined, serverName: undefined, instanceId: "i-0d0000000000000ff", instanceName: "spare", note: "tagged but unmatched", checks: [] }),
    ],
  },
  apply: {
    Sandbox: {
      changes: [
        {
          group: "retail-web",
          sourceServerId: "s-0005e7a1100000001",
          serverName: "retail-web-01",
          instanceId: "i-0d000000000000001",
          before: { sourceServerId: "s-0005e7a1100000001", copyTags: true, rightSizing: "BASIC" },
          after: { sourceServerId: "s-0005e7a1100000001", launchIntoInstanceId: "i-0d000000000000001", copyTags: false, rightSizing: "NONE" },
        },
      ],
      unchanged: 0,
      skipped: [{ subject: "s-0005e7a1100000011", name: "retail-app-07", reason: "instance state running" }],
    },
  },
  undoable: [],
});

beforeEach(() => {
  vi.clearAllMocks();
  api.plans.mockResolvedValue([{ name: "retail-dr", description: "", waves: 3, groups: 6, revision: 1, updatedAt: "", updatedBy: "" }]);
});

describe("ReadinessPage", () => {
  it("offers a first check when there is none", async () => {
    api.readiness.mockResolvedValue(null);
    api.checkReadiness.mockResolvedValue(readiness);
    const user = userEvent.setup();
    at("/plans/readiness/retail-dr", "/plans/readiness/:name", <ReadinessPage />);
    expect(await screen.findByText("Not checked yet")).toBeInTheDocument();
    await user.click(screen.getByTestId("check-readiness"));
    expect(await screen.findByText("2 blockers")).toBeInTheDocument();
    expect(api.checkReadiness).toHaveBeenCalledWith("retail-dr");
  });

  it("lists findings with evidence and remediation, and filters by severity", async () => {
    api.readiness.mockResolvedValue(readiness);
    const user = userEvent.setup();
    at("/plans/readiness/retail-dr", "/plans/readiness/:name", <ReadinessPage />);
    const table = await screen.findByTestId("findings-table");
    expect(within(table).getByText(/aws ec2 stop-instances/)).toBeInTheDocument();
    expect(within(table).getByText("PT20M")).toBeInTheDocument();
    await user.click(screen.getByText("Warnings (1)"));
    await waitFor(() => expect(within(table).queryByText(/instance state running/)).not.toBeInTheDocument());
    expect(within(table).getByText(/replication lags 20 min/)).toBeInTheDocument();
  });

  it("shows why a check failed", async () => {
    api.readiness.mockRejectedValue({ code: "store_unavailable", message: "read-only" });
    at("/plans/readiness/retail-dr", "/plans/readiness/:name", <ReadinessPage />);
    expect(await screen.findByTestId("error-state")).toHaveTextContent("read-only");
  });
});

describe("PairsPage", () => {
  it("sorts pairs into tabs", () => {
    const p = preview().readiness.pairs;
    expect(p.map(tabOf)).toEqual(["valid", "attention", "unmatched", "orphan"]);
  });

  it("applies only what was confirmed, after showing each change", async () => {
    api.pairsPreview.mockResolvedValue(preview());
    api.applyPairs.mockResolvedValue({ targets: { Sandbox: { applied: [preview().apply.Sandbox.changes[0]], skipped: [], failed: [] } } });
    const user = userEvent.setup();
    at("/pairs?plan=retail-dr", "/pairs", <PairsPage />);
    expect(await screen.findByText("Matched (1)")).toBeInTheDocument();
    expect(screen.getByText("Needs attention (1)")).toBeInTheDocument();
    await user.click(screen.getByTestId("pairs-apply"));
    const diff = await screen.findByTestId("pairs-diff");
    expect(within(diff).getByText("BASIC")).toBeInTheDocument();
    expect(within(diff).getByText("NONE")).toBeInTheDocument();
    expect(screen.getByText("instance state running")).toBeInTheDocument();
    await user.click(screen.getByTestId("pairs-confirm"));
    await waitFor(() => expect(api.applyPairs).toHaveBeenCalledWith("retail-dr", ["s-0005e7a1100000001"]));
    // The dialog closes and the pairs are read again.
    await waitFor(() => expect(screen.queryByTestId("pairs-diff")).not.toBeInTheDocument());
    expect(api.pairsPreview).toHaveBeenCalledTimes(2);
  });

  it("pairs an unmatched server by hand", async () => {
    api.pairsPreview.mockResolvedValue(preview());
    api.setPairOverride.mockResolvedValue(undefined);
    const user = userEvent.setup();
    at("/pairs?plan=retail-dr", "/pairs", <PairsPage />);
    await user.click(await screen.findByText("Unmatched (1)"));
    await user.click(await screen.findByTestId("override-retail-batch-04"));
    const input = screen.getByPlaceholderText("i-…");
    await user.type(input, "i-0d0000000000000ff");
    await user.click(screen.getByTestId("override-save"));
    await waitFor(() => expect(api.setPairOverride).toHaveBeenCalledWith("Sandbox", "s-0005e7a1100000028", "i-0d0000000000000ff"));
  });
});
