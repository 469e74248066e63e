import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import type { FailbackReadiness, Lifecycle } from "../types";
import { LifecyclePage, PHASES, phaseState } from "./LifecyclePage";

const api = vi.hoisted(() => ({
  lifecycle: vi.fn(),
  failbackCheck: vi.fn(),
  startReprotect: vi.fn(),
  startFailback: vi.fn(),
  failbackCleanup: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const atPlan = () =>
  render(
    <RouterProvider
      router={createMemoryRouter(
        [
          { path: "/plans/lifecycle/:name", element: <FlashProvider><LifecyclePage /></FlashProvider> },
          { path: "/executions/:id", element: <div data-testid="execution-page" /> },
        ],
        { initialEntries: ["/plans/lifecycle/shop"] },
      )}
    />,
  );

const life = (phase: Lifecycle["phase"], steps: Lifecycle["steps"] = []): Lifecycle => ({ plan: "shop", phase, next: "do the next thing", steps });
const step = (phase: string, status = "completed") => ({ phase, execution: `exec-${phase}`, status, startedAt: "2026-12-02T04:00:00Z", endedAt: "2026-12-02T04:30:00Z" });

const readiness: FailbackReadiness = {
  plan: "shop",
  checkedAt: "2026-12-02T05:00:00Z",
  recoveryExecution: "exec-recovery",
  ready: false,
  blockers: 1,
  warnings: 1,
  servers: [
    { name: "db-01", target: "Sandbox", group: "db", wave: "data", sourceServerId: "s-1", failbackSourceServerId: "s-b1", replicationState: "CONTINUOUS", lagSeconds: 4, originalInstanceId: "i-01", originalState: "running", originalUse: "launchInto", ready: false },
    { name: "db-02", target: "Sandbox", group: "db", wave: "data", sourceServerId: "s-2", failbackSourceServerId: "s-b2", replicationState: "CONTINUOUS", lagSeconds: 3, originalInstanceId: "i-02", originalState: "missing", originalUse: "newInstance", ready: true },
  ],
  findings: [
    { severity: "blocker", check: "failback.originalRunning", serverName: "db-01", message: "the original instance i-01 of db-01 is running", observedAt: "2026-12-02T05:00:00Z", remediation: "let the failback prepare it" },
    { severity: "warning", check: "failback.originalGone", serverName: "db-02", message: "the original instance i-02 of db-02 no longer exists", observedAt: "2026-12-02T05:00:00Z" },
  ],
};

beforeEach(() => vi.clearAllMocks());

describe("LifecyclePage", () => {
  it("says a plan never recovered is simply protected", async () => {
    api.lifecycle.mockResolvedValue(life("protected"));
    atPlan();
    expect(await screen.findByTestId("lifecycle-empty")).toHaveTextContent("No real recovery");
    expect(screen.queryByTestId("start-reprotect")).toBeNull();
  });

  it("offers reprotect after a recovery and opens the execution it starts", async () => {
    api.lifecycle.mockResolvedValue(life("recovered", [step("recovery")]));
    api.startReprotect.mockResolvedValue("exec-reprotect");
    atPlan();
    fireEvent.click(await screen.findByTestId("start-reprotect"));
    expect(await screen.findByTestId("execution-page")).toBeInTheDocument();
    expect(api.startReprotect).toHaveBeenCalledWith("shop", expect.any(Function));
  });

  it("checks failback readiness with the chosen handling of originals, and confirms a failback by name", async () => {
    api.lifecycle.mockResolvedValue(life("readyToFailBack", [step("recovery"), step("reprotect")]));
    api.failbackCheck.mockResolvedValue(readiness);
    api.startFailback.mockRejectedValue({ code: "not_ready", message: "plan \"shop\" is not ready to fail back: 1 blocker(s)" });
    atPlan();
    fireEvent.click(await screen.findByTestId("failback-check"));
    expect(await screen.findByTestId("failback-verdict")).toHaveTextContent("Not ready: 1 blocker(s), 1 warning(s)");
    expect(api.failbackCheck).toHaveBeenCalledWith("shop", "require");
    expect(screen.getByText("i-02 (missing)")).toBeInTheDocument();
    expect(screen.getByText("new instance")).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("failback-start"));
    const go = screen.getByTestId("failback-confirm");
    expect(go).toBeDisabled();
    const typed = screen.getByTestId("failback-typed").querySelector("input") as HTMLInputElement;
    fireEvent.change(typed, { target: { value: "shop" } });
    await waitFor(() => expect(screen.getByTestId("failback-confirm")).not.toBeDisabled());
    fireEvent.click(screen.getByTestId("failback-confirm"));
    expect(await screen.findByTestId("failback-error")).toHaveTextContent("not ready to fail back");
    expect(api.startFailback).toHaveBeenCalledWith("shop", { drill: false, originals: "require", overrideReadiness: false, confirm: "shop" }, expect.any(Function));
  });

  it("shows an error state when the plan cannot be read", async () => {
    api.lifecycle.mockRejectedValue({ code: "not_found", message: "plan \"shop\" not found" });
    atPlan();
    expect(await screen.findByTestId("error-state")).toHaveTextContent("not found");
  });

  it("marks the phases done, current and to come", () => {
    const l = life("failingBack", [step("recovery"), step("reprotect"), step("failback", "running")]);
    const states = PHASES.map(([p], i) => phaseState(l, p, i));
    expect(states).toEqual(["success", "success", "success", "in-progress", "pending", "pending"]);
    const back = life("protected", [step("recovery")]);
    expect(phaseState({ ...back, cleanedUpAt: "2026-12-02T06:00:00Z" }, "recovered", 0)).toBe("success");
  });
});
