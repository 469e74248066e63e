import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Problem, RecoveryPlan, StoredPlan } from "../types";
import { PlanEditor, newWave, numberOrUndefined, parseParameters, removeWave, renameWave, withKind } from "./PlanEditor";

const api = vi.hoisted(() => ({
  plan: vi.fn(),
  groups: vi.fn(),
  validatePlan: vi.fn(),
  savePlan: vi.fn(),
  revisions: vi.fn(),
  diff: vi.fn(),
  restore: vi.fn(),
}));

vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) =>
    e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) },
}));

const stored: StoredPlan = {
  plan: {
    name: "shop-dr",
    description: "Web shop",
    rtoTargetMinutes: 60,
    waves: [
      { name: "database", groups: ["shop-db"], approvalRequired: false, onFailure: "stop" },
      { name: "app", groups: ["shop-app"], dependsOn: ["database"], approvalRequired: true, onFailure: "continue" },
    ],
  },
  revision: 3,
  updatedAt: "2026-11-26T06:44:29Z",
  updatedBy: "local:alice",
};

function renderAt(path: string) {
  const router = createMemoryRouter(
    [
      { path: "/plans/new", element: <PlanEditor /> },
      { path: "/plans/edit/:name", element: <PlanEditor /> },
      { path: "/plans", element: <div>plans list</div> },
    ],
    { initialEntries: [path] },
  );
  render(<RouterProvider router={router} />);
  return router;
}

beforeEach(() => {
  vi.clearAllMocks();
  api.groups.mockResolvedValue([
    { name: "shop-db", target: "Sandbox", selector: { tags: { Tier: "db" } }, launch: { launchMode: "newInstances" } },
    { name: "shop-app", target: "Sandbox", selector: { tags: { Tier: "app" } }, launch: { launchMode: "newInstances" } },
  ]);
  api.plan.mockResolvedValue(stored);
  api.validatePlan.mockResolvedValue([]);
  api.revisions.mockResolvedValue([]);
});

describe("wave list helpers", () => {
  it("a new wave depends on the previous one and gets a free name", () => {
    const w1 = newWave([]);
    expect(w1).toMatchObject({ name: "wave 1", dependsOn: [] });
    const w2 = newWave([w1, { ...w1, name: "wave 2" }]);
    expect(w2.name).toBe("wave 3");
    expect(w2.dependsOn).toEqual(["wave 2"]);
  });

  it("renaming a wave renames the dependencies on it", () => {
    const waves = renameWave(stored.plan.waves, 0, "db");
    expect(waves[0].name).toBe("db");
    expect(waves[1].dependsOn).toEqual(["db"]);
  });

  it("removing a wave removes the dependencies on it", () => {
    const waves = removeWave(stored.plan.waves, 0);
    expect(waves).toHaveLength(1);
    expect(waves[0].dependsOn).toEqual([]);
  });
});

describe("minutes fields", () => {
  it("keep values the backend can read and explain", () => {
    expect(numberOrUndefined("")).toBeUndefined();
    expect(numberOrUndefined("45")).toBe(45);
    expect(numberOrUndefined("-5")).toBe(0);
    expect(numberOrUndefined("12.7")).toBe(12);
    expect(numberOrUndefined("1e12")).toBe(4294967295);
  });
});

describe("PlanEditor", () => {
  it("shows a loading state, then the plan's waves", async () => {
    renderAt("/plans/edit/shop-dr");
    expect(screen.getByTestId("loading")).toBeInTheDocument();
    expect(await screen.findByText("Revision 3")).toBeInTheDocument();
    expect(screen.getByDisplayValue("database")).toBeInTheDocument();
    expect(screen.getByDisplayValue("app")).toBeInTheDocument();
    expect(api.plan).toHaveBeenCalledWith("shop-dr");
  });

  it("shows the backend's error when the plan cannot be loaded", async () => {
    api.plan.mockRejectedValue({ code: "not_found", message: 'plan "gone" not found' });
    renderAt("/plans/edit/gone");
    expect(await screen.findByTestId("error-state")).toHaveTextContent('plan "gone" not found');
  });

  it("validates as you type and shows problems next to the field", async () => {
    const cycle: Problem = { severity: "error", path: "waves[0].dependsOn", message: "dependency cycle: database → app → database" };
    api.validatePlan.mockImplementation(async (plan: RecoveryPlan) =>
      plan.waves[0].name === "database" ? [] : [{ severity: "error", path: "waves[0].name", message: "wave name must not be empty" }, cycle],
    );
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    const name = await screen.findByDisplayValue("database");
    await waitFor(() => expect(screen.getByTestId("validation-panel")).toHaveTextContent("No problems"));
    await user.clear(name);
    await waitFor(() => expect(screen.getByTestId("validation-panel")).toHaveTextContent("dependency cycle: database → app → database"));
    expect(within(screen.getByTestId("wave-0")).getByText("wave name must not be empty")).toBeInTheDocument();
    // The rename reached the other wave's dependency and the validator saw the edited plan.
    const lastCall = api.validatePlan.mock.calls.at(-1)?.[0] as RecoveryPlan;
    expect(lastCall.waves[0].name).toBe("");
    expect(lastCall.waves[1].dependsOn).toEqual([""]);
  });

  it("adds a wave and saves with the revision it started from", async () => {
    api.savePlan.mockImplementation(async (plan: RecoveryPlan) => ({ ...stored, plan, revision: 4 }));
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(screen.getByTestId("add-wave"));
    expect(screen.getByDisplayValue("wave 3")).toBeInTheDocument();
    await user.click(screen.getByTestId("save-plan"));
    await waitFor(() => expect(api.savePlan).toHaveBeenCalledTimes(1));
    const [plan, options] = api.savePlan.mock.calls[0];
    expect(plan.waves.map((w: { name: string }) => w.name)).toEqual(["database", "app", "wave 3"]);
    expect(plan.waves[2].dependsOn).toEqual(["app"]);
    expect(options).toEqual({ originalName: "shop-dr", expectedRevision: 3, message: "" });
    expect(await screen.findByText("Revision 4")).toBeInTheDocument();
  });

  it("adds a manual step to a wave, moves it before the launch and saves it", async () => {
    api.savePlan.mockImplementation(async (plan: RecoveryPlan) => ({ ...stored, plan, revision: 4 }));
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(screen.getByTestId("add-step-1"));
    const name = screen.getByTestId("step-name-1-after-0").querySelector("input")!;
    await user.clear(name);
    await user.type(name, "payment provider notified");
    await user.type(screen.getByTestId("step-instruction-1-after-0").querySelector("input")!, "Tell them.");
    await user.click(screen.getByTestId("save-plan"));
    await waitFor(() => expect(api.savePlan).toHaveBeenCalledTimes(1));
    const [plan] = api.savePlan.mock.calls[0];
    expect(plan.waves[1].after).toEqual([{ name: "payment provider notified", kind: "manual", instruction: "Tell them.", onFailure: "stop" }]);
    expect(plan.waves[0].after).toBeUndefined();
    await user.click(screen.getByTestId("remove-step-1-after-0"));
    await waitFor(() => expect(screen.queryByTestId("step-name-1-after-0")).not.toBeInTheDocument());
  });

  it("turns a step into a Route 53 change and saves only that kind's fields", async () => {
    api.savePlan.mockImplementation(async (plan: RecoveryPlan) => ({ ...stored, plan, revision: 4 }));
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(screen.getByTestId("add-step-1"));
    await user.type(screen.getByTestId("step-instruction-1-after-0").querySelector("input")!, "left over");
    await user.click(within(screen.getByTestId("step-kind-1-after-0")).getByRole("button"));
    await user.click(await screen.findByText("Route 53 record"));
    expect(screen.queryByTestId("step-instruction-1-after-0")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("step-record-1-after-0").querySelector("input")!, "cache.retail.internal");
    await user.type(screen.getByTestId("step-zone-1-after-0").querySelector("input")!, "Z05RETAILPROD");
    await user.type(screen.getByTestId("step-drill-zone-1-after-0").querySelector("input")!, "Z05RETAILDRILL");
    await user.type(screen.getByTestId("step-server-1-after-0").querySelector("input")!, "cache-01");
    await user.click(screen.getByTestId("save-plan"));
    await waitFor(() => expect(api.savePlan).toHaveBeenCalledTimes(1));
    const [plan] = api.savePlan.mock.calls[0];
    expect(plan.waves[1].after[0]).toEqual({
      name: "step 1",
      kind: "route53",
      onFailure: "stop",
      timeoutMinutes: undefined,
      inDrills: undefined,
      zoneId: "Z05RETAILPROD",
      drillZoneId: "Z05RETAILDRILL",
      record: "cache.retail.internal",
      servers: ["cache-01"],
    });
  });

  it("reorders and removes waves", async () => {
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(within(screen.getByTestId("wave-1")).getByLabelText("Move wave up"));
    expect(within(screen.getByTestId("wave-0")).getByDisplayValue("app")).toBeInTheDocument();
    await user.click(screen.getByTestId("remove-wave-0"));
    expect(screen.queryByDisplayValue("app")).not.toBeInTheDocument();
    await waitFor(() => {
      const last = api.validatePlan.mock.calls.at(-1)?.[0] as RecoveryPlan;
      expect(last.waves).toHaveLength(1);
      expect(last.waves[0].name).toBe("database");
      expect(last.waves[0].dependsOn ?? []).toEqual([]);
    });
  });

  it("a refused save shows the backend's message and its problems", async () => {
    api.savePlan.mockRejectedValue({
      code: "conflict",
      message: 'plan "shop-dr" was saved elsewhere meanwhile (revision 4 is newer than revision 3 you edited)',
    });
    const user = userEvent.setup();
    renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(screen.getByTestId("add-wave"));
    await user.click(screen.getByTestId("save-plan"));
    expect(await screen.findByTestId("error-state")).toHaveTextContent("saved elsewhere meanwhile");
  });

  it("asks before discarding unsaved edits", async () => {
    const user = userEvent.setup();
    const router = renderAt("/plans/edit/shop-dr");
    await screen.findByDisplayValue("database");
    await user.click(screen.getByTestId("add-wave"));
    await user.click(screen.getByText("Cancel"));
    expect(await screen.findByText("Discard unsaved changes?")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/plans/edit/shop-dr");
    await user.click(screen.getByTestId("discard-changes"));
    await waitFor(() => expect(router.state.location.pathname).toBe("/plans"));
  });

  it("a new plan starts with one wave and is created without an original name", async () => {
    api.savePlan.mockImplementation(async (plan: RecoveryPlan) => ({ ...stored, plan, revision: 1 }));
    api.plan.mockImplementation(async (name: string) => ({ ...stored, plan: { ...stored.plan, name }, revision: 1 }));
    const user = userEvent.setup();
    const router = renderAt("/plans/new");
    const name = await screen.findByTestId("plan-name");
    await user.type(within(name).getByRole("textbox"), "fresh");
    expect(screen.getByDisplayValue("wave 1")).toBeInTheDocument();
    await user.click(screen.getByTestId("save-plan"));
    await waitFor(() => expect(api.savePlan).toHaveBeenCalled());
    expect(api.savePlan.mock.calls[0][0].name).toBe("fresh");
    expect(api.savePlan.mock.calls[0][1]).toEqual({ originalName: null, expectedRevision: null, message: "" });
    // Once created, the address follows the plan without asking about unsaved changes.
    await waitFor(() => expect(router.state.location.pathname).toBe("/plans/edit/fresh"));
  });
});

describe("step fields", () => {
  it("a new kind keeps what every step has and drops the old kind's fields", () => {
    const manual = { name: "db", kind: "manual" as const, instruction: "x", onFailure: "ask" as const, timeoutMinutes: 5 };
    expect(withKind(manual, "check")).toEqual({ name: "db", kind: "check", onFailure: "ask", timeoutMinutes: 5, inDrills: undefined, check: "ec2Status" });
    expect(withKind(manual, "ssmCommand").parameters).toEqual({ commands: [] });
  });

  it("reads Key=value lines as SSM parameters", () => {
    expect(parseParameters("Listener=sql\nReplica=a\nReplica=b\n\n")).toEqual({ Listener: ["sql"], Replica: ["a", "b"] });
    expect(parseParameters("  ")).toBeUndefined();
    expect(parseParameters("Flag")).toEqual({ Flag: [""] });
  });
});
