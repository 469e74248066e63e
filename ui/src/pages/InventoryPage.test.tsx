import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SourceServer } from "../types";
import { InventoryPage, ago, byHealth, formatLag, replicationStatus } from "./InventoryPage";

const api = vi.hoisted(() => ({ inventory: vi.fn(), thresholds: vi.fn(() => Promise.resolve({})) }));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const server = (over: Partial<SourceServer>): SourceServer => ({
  id: "s-0000000000000000a",
  arn: "arn",
  target: "Sandbox",
  name: "retail-web-01",
  hostname: null,
  replicationState: "CONTINUOUS",
  lag: "PT2S",
  lagSeconds: 2,
  lastSeen: "2026-11-26T07:00:00Z",
  replicationError: null,
  originInstanceId: null,
  originAccountId: null,
  originRegion: null,
  recommendedInstanceType: null,
  os: null,
  replicationDirection: null,
  tags: { Tier: "web" },
  ...over,
});

beforeEach(() => vi.clearAllMocks());

describe("replication status", () => {
  it("flags lag, stalls and errors", () => {
    expect(replicationStatus(server({}))).toEqual({ type: "success", text: "CONTINUOUS" });
    expect(replicationStatus(server({ lagSeconds: 1200 })).type).toBe("warning");
    expect(replicationStatus(server({ lagSeconds: 2000 })).type).toBe("error");
    expect(replicationStatus(server({ lagSeconds: 2000 }), { maxLagSeconds: 600, criticalLagSeconds: 3600, maxAgentSilenceSeconds: 900 }).type).toBe("warning");
    expect(replicationStatus(server({ replicationState: "STALLED", replicationError: { error: "AGENT_NOT_SEEN" } }))).toEqual({
      type: "error",
      text: "STALLED — AGENT_NOT_SEEN",
    });
    expect(replicationStatus(server({ replicationState: "INITIAL_SYNC" })).type).toBe("in-progress");
  });

  it("sorts problems first and says how long ago an agent was seen", () => {
    const ok = server({});
    const lagging = server({ lagSeconds: 1200 });
    const stalled = server({ replicationState: "STALLED" });
    expect([ok, lagging, stalled].sort(byHealth)).toEqual([stalled, lagging, ok]);
    const now = new Date("2026-11-26T08:00:00Z");
    expect(ago("2026-11-26T07:59:52Z", now)).toBe("8 s ago");
    expect(ago("2026-11-26T04:48:00Z", now)).toBe("3 h ago");
  });

  it("formats lag for people", () => {
    expect(formatLag(2)).toBe("2 s");
    expect(formatLag(1200)).toBe("20 min");
    expect(formatLag(11520)).toBe("3 h 12 min");
    expect(formatLag(null, "PT1X")).toBe("PT1X");
  });
});

describe("InventoryPage", () => {
  it("lists servers and instances, filters, and reports failing targets", async () => {
    api.inventory.mockResolvedValue({
      sourceServers: [
        server({}),
        server({ id: "s-0000000000000000b", name: "retail-db-02", lag: "PT20M", lagSeconds: 1200, tags: { Tier: "db" } }),
      ],
      instances: [
        { id: "i-0000000000000001", target: "Sandbox", region: "us-west-2", name: "retail-web-01", state: "stopped", tags: { AWSDRS: "AllowLaunchingIntoThisInstance" } },
      ],
      failures: [{ target: "prod", message: "credentials: the SSO session has expired" }],
    });
    const user = userEvent.setup();
    render(<InventoryPage />);
    expect(await screen.findByText("Source servers (2)")).toBeInTheDocument();
    expect(screen.getByText("Recovery-region instances (1)")).toBeInTheDocument();
    expect(screen.getByText('Target "prod" could not be read')).toBeInTheDocument();
    const table = screen.getByTestId("servers-table");
    expect(within(table).getByText("20 min")).toBeInTheDocument();
    await user.type(within(table).getByRole("searchbox"), "retail-db");
    await waitFor(() => expect(within(table).queryByText("retail-web-01")).not.toBeInTheDocument());
    expect(within(table).getByText("retail-db-02")).toBeInTheDocument();
  });

  it("shows the error when nothing could be read", async () => {
    api.inventory.mockRejectedValue({ code: "store_unavailable", message: "the database is read-only" });
    render(<InventoryPage />);
    expect(await screen.findByTestId("error-state")).toHaveTextContent("read-only");
  });
});
