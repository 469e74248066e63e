import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import { Flashes } from "../test/Flashes";
import type { GroupPreview, LaunchApplication, TargetHealth } from "../types";
import { HealthPanel } from "./DashboardPage";
import { MembersPreview } from "./GroupEditor";
import { GroupLaunchPage } from "./GroupLaunchPage";
import { TagSyncPanel, ThresholdsPanel } from "./OperationsSettings";

const api = vi.hoisted(() => ({
  groupMembers: vi.fn(),
  groupLaunchPreview: vi.fn(),
  groupLaunchApply: vi.fn(),
  groupLaunchApplies: vi.fn(),
  groupLaunchRollback: vi.fn(),
  health: vi.fn(),
  thresholds: vi.fn(),
  setThresholds: vi.fn(),
  syncTags: vi.fn(),
  tagSchedule: vi.fn(),
  setTagSchedule: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));


const at = (path: string, route: string, element: React.ReactNode) =>
  render(
    <RouterProvider
      router={createMemoryRouter(
        [
          {
            path: route,
            element: (
              <FlashProvider>
                <Flashes />
                {element}
              </FlashProvider>
            ),
          },
        ],
        { initialEntries: [path] },
      )}
    />,
  );

const preview: GroupPreview = {
  group: "retail-web",
  target: "Sandbox",
  members: [
    { sourceServerId: "s-1", name: "web-01", replicationState: "CONTINUOUS" },
    { sourceServerId: "s-2", name: "web-02", replicationState: "CONTINUOUS" },
  ],
  missing: [],
  conflicts: [],
  problems: [],
  servers: [
    { sourceServerId: "s-1", name: "web-01", changes: [{ field: "template.instanceType", before: "m5.large", after: "m5.xlarge" }] },
    { sourceServerId: "s-2", name: "web-02", changes: [] },
  ],
};

const applied: LaunchApplication = {
  id: 7,
  group: "retail-web",
  target: "Sandbox",
  kind: "apply",
  startedAt: "2026-11-26T12:00:00Z",
  finishedAt: "2026-11-26T12:00:02Z",
  actor: "local:alice",
  servers: [{ sourceServerId: "s-1", name: "web-01", before: { sourceServerId: "s-1" }, changes: preview.servers[0].changes, status: "applied", configurationWritten: true }],
};

beforeEach(() => {
  for (const f of Object.values(api)) f.mockReset();
});

describe("Group launch settings", () => {
  it("shows the per-server diff, applies after confirmation with progress, and offers a rollback", async () => {
    api.groupLaunchPreview.mockResolvedValue(preview);
    api.groupLaunchApplies.mockResolvedValueOnce([]).mockResolvedValue([applied]);
    api.groupLaunchApply.mockImplementation(async (_n: string, _s: string[], onProgress: (d: number, t: number) => void) => {
      onProgress(1, 1);
      return applied;
    });
    at("/groups/launch/retail-web", "/groups/launch/:name", <GroupLaunchPage />);
    const diff = await screen.findByTestId("launch-diff");
    expect(within(diff).getByText("template.instanceType")).toBeInTheDocument();
    expect(within(diff).getByText("In line with the group")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("review-apply"));
    expect(await screen.findByText("Apply launch settings to 1 server(s)?")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("confirm-apply"));
    await waitFor(() => expect(api.groupLaunchApply).toHaveBeenCalledWith("retail-web", [], expect.any(Function)));
    expect(await screen.findByText(/1 server\(s\) changed/)).toBeInTheDocument();
    expect(await screen.findByTestId("rollback-7")).toBeInTheDocument();
  });

  it("refuses to apply while a server is in two groups or a setting does not exist in AWS", async () => {
    api.groupLaunchPreview.mockResolvedValue({
      ...preview,
      conflicts: [{ target: "Sandbox", sourceServerId: "s-1", name: "web-01", groups: ["retail-web", "shop"] }],
      problems: [{ severity: "error", path: "launch.subnetId", message: "subnet subnet-0dead does not exist in the recovery region" }],
    });
    api.groupLaunchApplies.mockResolvedValue([]);
    at("/groups/launch/retail-web", "/groups/launch/:name", <GroupLaunchPage />);
    expect(await screen.findByText(/selected by "retail-web" and "shop"/)).toBeInTheDocument();
    expect(screen.getByText(/subnet subnet-0dead does not exist/)).toBeInTheDocument();
    expect(screen.getByTestId("review-apply")).toBeDisabled();
  });

  it("shows which servers failed part-way", async () => {
    api.groupLaunchPreview.mockResolvedValue(preview);
    api.groupLaunchApplies.mockResolvedValue([]);
    api.groupLaunchApply.mockResolvedValue({
      ...applied,
      servers: [{ ...applied.servers[0], status: "failed", error: "ec2:CreateLaunchTemplateVersion: throttled" }],
    });
    at("/groups/launch/retail-web", "/groups/launch/:name", <GroupLaunchPage />);
    await userEvent.click(await screen.findByTestId("review-apply"));
    await userEvent.click(screen.getByTestId("confirm-apply"));
    expect(await screen.findByTestId("apply-failures")).toHaveTextContent("web-01 (s-1): ec2:CreateLaunchTemplateVersion: throttled");
  });
});

describe("Members preview", () => {
  it("resolves the group being edited and names conflicts", async () => {
    api.groupMembers.mockResolvedValue({
      members: [{ sourceServerId: "s-1", name: "web-01" }],
      missing: ["s-0000000000000dead"],
      conflicts: [{ target: "Sandbox", sourceServerId: "s-1", name: "web-01", groups: ["web", "shop"] }],
      inventory: 40,
    });
    at(
      "/",
      "/",
      <MembersPreview group={{ name: "web", target: "Sandbox", selector: { tags: { Tier: "web" } }, launch: { launchMode: "newInstances" } }} originalName={null} />,
    );
    const panel = await screen.findByTestId("members-preview");
    await waitFor(() => expect(within(panel).getByText("web-01")).toBeInTheDocument(), { timeout: 3000 });
    expect(within(panel).getByText('web-01 is also in "shop"')).toBeInTheDocument();
    expect(within(panel).getByText("s-0000000000000dead is not in DRS")).toBeInTheDocument();
  });
});

describe("Health and settings", () => {
  it("summarises every target's servers and lists the worst", async () => {
    const h: TargetHealth = {
      target: "Sandbox",
      thresholds: { maxLagSeconds: 300, criticalLagSeconds: 1800, maxAgentSilenceSeconds: 900 },
      servers: [
        { target: "Sandbox", sourceServerId: "s-1", name: "mq-03", replicationState: "STALLED", lagSeconds: 11520, agentSilenceSeconds: 3600, agentDisconnected: true, level: "critical", reasons: ["replication is STALLED"] },
        { target: "Sandbox", sourceServerId: "s-2", name: "web-01", replicationState: "CONTINUOUS", lagSeconds: 2, agentSilenceSeconds: 30, agentDisconnected: false, level: "healthy", reasons: [] },
      ],
      summary: { servers: 2, critical: 1, warning: 0, healthy: 1, byState: { CONTINUOUS: 1, STALLED: 1 }, lagBuckets: [["≤ 1 min", 1], ["> 30 min", 1]] },
    };
    api.health.mockResolvedValue([h]);
    at("/", "/", <HealthPanel />);
    const top = await screen.findByTestId("top-problems");
    expect(within(top).getByText("mq-03")).toBeInTheDocument();
    expect(within(top).queryByText("web-01")).not.toBeInTheDocument();
    expect(screen.getByText("STALLED: 1")).toBeInTheDocument();
  });

  it("edits a target's thresholds and shows the field the backend refused", async () => {
    api.thresholds.mockResolvedValue({ Sandbox: { maxLagSeconds: 300, criticalLagSeconds: 1800, maxAgentSilenceSeconds: 900 } });
    api.setThresholds.mockRejectedValueOnce({ code: "invalid", message: "not valid", problems: [{ severity: "error", path: "criticalLagSeconds", message: "must be more than the warning threshold (600 s)" }] });
    at("/", "/", <ThresholdsPanel />);
    await userEvent.click(await screen.findByText("Edit"));
    await userEvent.click(screen.getByTestId("save-thresholds"));
    expect(await screen.findByText("must be more than the warning threshold (600 s)")).toBeInTheDocument();
    expect(api.setThresholds).toHaveBeenCalledWith("Sandbox", { maxLagSeconds: 300, criticalLagSeconds: 1800, maxAgentSilenceSeconds: 900 });
  });

  it("shows a dry run's tag diff without writing", async () => {
    api.tagSchedule.mockResolvedValue({ schedule: null, lastRun: null });
    api.syncTags.mockResolvedValue([
      {
        target: "Sandbox",
        plan: { servers: [{ sourceServerId: "s-1", name: "db-01", originInstanceId: "i-1", add: { Owner: "team-db" }, change: [{ key: "CostCenter", before: "CC-4410", after: "CC-5520" }], skipped: [] }], inLine: 0, missingInstances: [], notInAws: 0 },
        written: 0,
        failed: [],
      },
    ]);
    at("/", "/", <TagSyncPanel />);
    await userEvent.click(await screen.findByTestId("tags-dry-run"));
    const diff = await screen.findByTestId("tag-diff");
    expect(api.syncTags).toHaveBeenCalledWith(null, true);
    expect(within(diff).getByText("Would change (nothing written)")).toBeInTheDocument();
    expect(within(diff).getByText("CC-5520")).toBeInTheDocument();
    expect(within(diff).getByText("team-db")).toBeInTheDocument();
  });
});
