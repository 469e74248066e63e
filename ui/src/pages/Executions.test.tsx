import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import type { Execution } from "../types";
import { ExecutionView, clock, recoveryTime, summaryLine } from "./ExecutionView";
import { ExecutionsPage } from "./ExecutionsPage";

const api = vi.hoisted(() => ({
  plans: vi.fn(),
  executions: vi.fn(),
  execution: vi.fn(),
  watchExecution: vi.fn(),
  startExecution: vi.fn(),
  requestExecution: vi.fn(),
  confirmStep: vi.fn(),
  resumeExecution: vi.fn(),
  orphanedExecutions: vi.fn(),
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
          { path: route, element: <FlashProvider>{element}</FlashProvider> },
          { path: "/executions/:id", element: <div>live view</div> },
        ],
        { initialEntries: [path] },
      )}
    />,
  );

const server = (name: string, status: string, over: object = {}) => ({
  sourceServerId: `s-${name}`,
  name,
  group: "g",
  target: "Sandbox",
  status,
  startedAt: "2026-11-26T10:00:00Z",
  endedAt: status === "launched" ? "2026-11-26T10:05:00Z" : undefined,
  ...over,
});

const execution = (): Execution =>
  ({
    id: "exec-1",
    plan: "retail-dr",
    planRevision: 2,
    kind: "drill",
    startedBy: "local:alice",
    startedAt: "2026-11-26T10:00:00Z",
    status: "running",
    rtoTargetMinutes: 90,
    autoCleanup: true,
    waves: [
      { name: "data", dependsOn: [], approvalRequired: false, onFailure: "stop", status: "completed", startedAt: "2026-11-26T10:00:00Z", endedAt: "2026-11-26T10:05:00Z", servers: [server("db-01", "launched")] },
      {
        name: "web",
        dependsOn: ["data"],
        approvalRequired: true,
        onFailure: "stop",
        status: "waitingApproval",
        servers: [server("web-01", "pending", { startedAt: undefined }), server("web-02", "failed", { failure: "the instance must be stopped" })],
      },
    ],
    batches: [],
    suspended: [],
    cleanup: { status: "pending", jobs: [], remaining: [] },
  }) as unknown as Execution;

const here = {
  driver: { state: "live", owner: "vm:7:window", secondsSinceHeartbeat: 1 },
  driving: true,
  retries: [],
  rto: { measuredSeconds: null, applicationUpSeconds: null, targetSeconds: 5400, withinTarget: null, waves: [] },
};

beforeEach(() => {
  vi.clearAllMocks();
  api.orphanedExecutions.mockResolvedValue([]);
  api.requestExecution.mockResolvedValue({ driver: { state: "live", owner: "vm:7:window", secondsSinceHeartbeat: 0 }, drivenHere: false });
  api.plans.mockResolvedValue([{ name: "retail-dr", description: "", waves: 3, groups: 6, revision: 1, updatedAt: "", updatedBy: "" }]);
});

describe("the recovery time", () => {
  it("says launch-only and application up apart when steps moved it", () => {
    const rto = { measuredSeconds: null, applicationUpSeconds: null, targetSeconds: 5400, withinTarget: null, waves: [] };
    expect(recoveryTime(undefined)).toBe("measured when every server has launched");
    expect(recoveryTime(rto)).toBe("measured when every server has launched");
    expect(recoveryTime({ ...rto, measuredSeconds: 1200, applicationUpSeconds: 1200 })).toBe("servers launched 20:00");
    expect(recoveryTime({ ...rto, measuredSeconds: 1200, applicationUpSeconds: 1600 })).toBe("servers launched 20:00 · application up 26:40");
  });
});

describe("the live view", () => {
  it("reads as a stakeholder would say it", () => {
    expect(clock(75)).toBe("1:15");
    expect(clock(3 * 3600 + 62)).toBe("3:01:02");
    const line = summaryLine(execution(), Date.parse("2026-11-26T10:12:30Z"));
    expect(line).toBe("Drill of retail-dr · 1/3 launched · 1 failed · 12:30 elapsed of 90 min RTO");
  });

  it("shows the waiting wave and approves it", async () => {
    api.execution.mockResolvedValue({ execution: execution(), events: [{ at: "2026-11-26T10:00:00Z", event: "started", status: "running" }], ...here });
    api.watchExecution.mockResolvedValue(execution());
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    expect(await screen.findByText('Wave "web" waits for an approval')).toBeInTheDocument();
    expect(screen.getByTestId("timeline")).toBeInTheDocument();
    expect(screen.getByText("the instance must be stopped")).toBeInTheDocument();
    // db-01 launched 5 minutes after its wave started it (the wave's elapsed time is 5:00 too).
    expect(within(screen.getByTestId("execution-servers")).getByText("5:00")).toBeInTheDocument();
    await user.click(screen.getByTestId("approve-web"));
    await waitFor(() => expect(api.requestExecution).toHaveBeenCalledWith("exec-1", "approve", "web"));
  });

  it("shows a manual step like an approval, confirms it, and lists every step", async () => {
    const e = execution();
    e.waves[1].status = "pending";
    e.waves[1].approvedBy = "local:alice";
    e.waves[1].steps = [
      { name: "payment provider notified", phase: "before", kind: "manual", instruction: "Tell the payment provider.", timeoutMinutes: 30, onFailure: "stop", status: "waiting", startedAt: "2026-11-26T10:06:00Z" },
      { name: "status page", phase: "before", kind: "manual", instruction: "Post it.", onFailure: "stop", status: "skipped", note: "runs in recoveries only" },
    ];
    e.waves[0].steps = [
      { name: "dba check", phase: "after", kind: "manual", instruction: "Check writes.", onFailure: "stop", status: "done", confirmedBy: "local:bob", endedAt: "2026-11-26T10:05:00Z" },
    ];
    api.execution.mockResolvedValue({ execution: e, events: [], ...here });
    api.watchExecution.mockResolvedValue(e);
    api.confirmStep.mockResolvedValue({ driver: { state: "live", owner: "vm:7:window", secondsSinceHeartbeat: 0 }, drivenHere: true });
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    const waiting = await screen.findByTestId("step-waiting-payment provider notified");
    expect(waiting).toHaveTextContent("Tell the payment provider. (fails after 30 min without a confirmation)");
    expect(screen.getByTestId("step-dba check")).toHaveTextContent("confirmed by local:bob");
    expect(screen.getByTestId("step-status page")).toHaveTextContent("runs in recoveries only");
    await user.click(screen.getByTestId("confirm-step-payment provider notified"));
    await waitFor(() => expect(api.confirmStep).toHaveBeenCalledWith("exec-1", "web", "payment provider notified"));
  });

  it("shows what automated steps reported, and a failed step that asks whether to go on", async () => {
    const e = execution();
    e.waves[0].steps = [
      { name: "db answers", phase: "after", kind: "ssmCommand", onFailure: "stop", status: "done", output: "i-1 (db-01): Success, exit 0\nchecking PostgreSQL", endedAt: "2026-11-26T10:05:00Z" },
      { name: "cache endpoint", phase: "after", kind: "route53", onFailure: "ask", status: "waiting", asking: true, note: "failed: read back cache.retail.internal A: 10.0.0.9 instead of 10.99.0.4; confirm it to go on, or cancel the execution" },
      { name: "web port", phase: "after", kind: "check", onFailure: "stop", status: "running", tries: 2, output: "try 2: port 443 did not answer" },
    ];
    api.execution.mockResolvedValue({ execution: e, events: [], ...here });
    api.watchExecution.mockResolvedValue(e);
    api.confirmStep.mockResolvedValue({ driver: { state: "live", owner: "vm:7:window", secondsSinceHeartbeat: 0 }, drivenHere: true });
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    const asking = await screen.findByTestId("step-waiting-cache endpoint");
    expect(asking).toHaveTextContent("failed — go on?");
    expect(asking).toHaveTextContent("instead of 10.99.0.4");
    expect(screen.getByTestId("step-db answers")).toHaveTextContent("SSM command · db answers: done");
    expect(screen.getByTestId("step-web port")).toHaveTextContent("(2 tries)");
    await user.click(within(screen.getByTestId("step-output-db answers")).getByText("Output"));
    expect(await screen.findByText(/checking PostgreSQL/)).toBeInTheDocument();
    await user.click(screen.getByText("Go on with the plan"));
    await waitFor(() => expect(api.confirmStep).toHaveBeenCalledWith("exec-1", "data", "cache endpoint"));
  });

  it("follows the states streamed from Rust", async () => {
    let push: (e: Execution) => void = () => {};
    api.execution.mockResolvedValue({ execution: execution(), events: [], ...here });
    api.watchExecution.mockImplementation(async (_id: string, on: (e: Execution) => void) => {
      push = on;
      return execution();
    });
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    await screen.findByText(/1\/3 launched/);
    const done = execution();
    done.status = "completed";
    done.endedAt = "2026-11-26T10:20:00Z";
    done.waves[1].status = "completed";
    done.waves[1].servers.forEach((s) => {
      s.status = "launched";
      s.endedAt = "2026-11-26T10:20:00Z";
    });
    done.cleanup = { status: "verified", listed: true, jobs: [["Sandbox", "drsjob-9"]], remaining: [], message: "every drill recovery instance is gone" };
    push(done);
    expect(await screen.findByText(/3\/3 launched · 0 failed · 20:00 elapsed/)).toBeInTheDocument();
    expect(screen.getByTestId("cleanup-proof")).toHaveTextContent("verified");
    expect(screen.getByTestId("cleanup-proof")).toHaveTextContent("drsjob-9 (Sandbox)");
  });
});

describe("who drives an execution", () => {
  it("a drill a terminal drives is followed here, not resumed", async () => {
    api.execution.mockResolvedValue({
      execution: execution(),
      events: [],
      driver: { state: "live", owner: "laptop:4242:cli", secondsSinceHeartbeat: 2 },
      driving: false,
      retries: [],
    });
    api.watchExecution.mockResolvedValue(execution());
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    expect(await screen.findByTestId("driver")).toHaveTextContent("a terminal (laptop:4242:cli)");
    expect(screen.queryByTestId("resume-here")).not.toBeInTheDocument();
  });

  it("an orphaned recovery is resumed here only after its plan's name is typed", async () => {
    const e = execution();
    e.kind = "recovery";
    api.execution.mockResolvedValue({ execution: e, events: [], driver: { state: "none" }, driving: false, retries: [] });
    api.watchExecution.mockResolvedValue(e);
    api.resumeExecution.mockResolvedValue(undefined);
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    expect(await screen.findByText("No process drives this execution")).toBeInTheDocument();
    await user.click(screen.getByTestId("resume-here"));
    const go = screen.getByTestId("resume-confirm");
    expect(go.querySelector("button") ?? go).toBeDisabled();
    await user.type(screen.getByTestId("resume-confirm-plan").querySelector("input")!, "retail-dr");
    await user.click(screen.getByTestId("resume-confirm"));
    await waitFor(() => expect(api.resumeExecution).toHaveBeenCalledWith("exec-1", { confirm: "retail-dr", takeOver: false }));
  });

  it("a stopped driver is taken over explicitly", async () => {
    api.execution.mockResolvedValue({
      execution: execution(),
      events: [],
      driver: { state: "stale", owner: "laptop:99:cli", secondsSinceHeartbeat: 185 },
      driving: false,
      retries: [],
    });
    api.watchExecution.mockResolvedValue(execution());
    api.resumeExecution.mockResolvedValue(undefined);
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    expect(await screen.findByText("Its driver has stopped")).toBeInTheDocument();
    await user.click(screen.getByTestId("resume-here"));
    expect(screen.getByText(/has not been heard from for 3:05/)).toBeInTheDocument();
    await user.click(screen.getByTestId("resume-confirm"));
    await waitFor(() => expect(api.resumeExecution).toHaveBeenCalledWith("exec-1", { confirm: undefined, takeOver: true }));
  });

  it("says what is retried and why, and a stuck cleanup can be given up", async () => {
    const e = execution();
    e.status = "cleaningUp";
    e.waves[1].status = "completed";
    e.cleanup = {
      status: "running",
      listed: false,
      jobs: [],
      remaining: [],
      retry: { attempts: 4, lastError: "drs:TerminateRecoveryInstances: access denied: not allowed" },
    };
    e.identities = { Sandbox: "arn:aws:iam::111122223333:user/sandbox-admin" };
    api.execution.mockResolvedValue({ execution: e, events: [], ...here });
    api.watchExecution.mockResolvedValue(e);
    const user = userEvent.setup();
    at("/executions/exec-1", "/executions/:id", <ExecutionView />);
    expect(await screen.findByTestId("retries")).toHaveTextContent("the drill's cleanup (attempt 5): drs:TerminateRecoveryInstances: access denied: not allowed");
    expect(screen.getByTestId("identities")).toHaveTextContent("arn:aws:iam::111122223333:user/sandbox-admin (Sandbox)");
    await user.click(screen.getByTestId("abandon"));
    await waitFor(() => expect(api.requestExecution).toHaveBeenCalledWith("exec-1", "abandon", undefined));
  });

  it("measures elapsed time on the execution's own clock", () => {
    const e = execution();
    // The sandbox's simulated clock is ahead of the wall clock.
    e.lastTickAt = "2026-11-26T11:30:00Z";
    expect(summaryLine(e, Date.parse("2026-11-26T10:00:05Z"))).toContain("1:30:00 elapsed");
  });
});

describe("ExecutionsPage", () => {
  it("lists executions no process drives", async () => {
    api.executions.mockResolvedValue([]);
    api.orphanedExecutions.mockResolvedValue([
      { id: "exec-9", plan: "retail-dr", kind: "recovery", status: "running", startedAt: "", startedBy: "", cleanup: "notNeeded", driver: { state: "none" } },
    ]);
    at("/executions", "/executions", <ExecutionsPage />);
    expect(await screen.findByTestId("orphans")).toHaveTextContent("recovery of retail-dr (exec-9)");
  });

  it("shows each execution's recovery time, to launch and to application up, against its target", async () => {
    api.executions.mockResolvedValue([
      { id: "exec-1", plan: "retail-dr", kind: "drill", status: "completed", startedAt: "2026-11-26T10:00:00Z", endedAt: "2026-11-26T11:00:00Z", startedBy: "local:ann", cleanup: "verified", recoverySeconds: 1200, applicationUpSeconds: 1600, targetSeconds: 5400 },
      { id: "exec-2", plan: "retail-dr", kind: "drill", status: "failed", startedAt: "2026-11-25T10:00:00Z", startedBy: "local:ann", cleanup: "verified", recoverySeconds: null, applicationUpSeconds: null, targetSeconds: 5400 },
    ]);
    api.orphanedExecutions.mockResolvedValue([]);
    at("/executions", "/executions", <ExecutionsPage />);
    expect(await screen.findByText("20:00 launched · 26:40 application up")).toBeInTheDocument();
  });

  it("has an empty state", async () => {
    api.executions.mockResolvedValue([]);
    at("/executions", "/executions", <ExecutionsPage />);
    expect(await screen.findByText("No executions yet")).toBeInTheDocument();
  });

  it("needs the plan's name typed again for a real recovery", async () => {
    api.executions.mockResolvedValue([]);
    api.startExecution.mockResolvedValue("exec-2");
    const user = userEvent.setup();
    at("/executions?start=retail-dr", "/executions", <ExecutionsPage />);
    await user.click(await screen.findByText("Recovery (failover)"));
    const start = screen.getByTestId("start-execution");
    expect(start.querySelector("button") ?? start).toBeDisabled();
    await user.type(screen.getByTestId("confirm-plan").querySelector("input")!, "retail-dr");
    await user.click(screen.getByTestId("start-execution"));
    await waitFor(() =>
      expect(api.startExecution).toHaveBeenCalledWith("retail-dr", "recovery", { overrideReadiness: false, autoCleanup: true, confirm: "retail-dr" }, expect.any(Function)),
    );
  });
});
