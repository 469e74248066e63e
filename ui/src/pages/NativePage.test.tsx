import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import type { NativePreview, NativeStep } from "../types";
import { NativePage, serverCount, stepWords } from "./NativePage";

const api = vi.hoisted(() => ({
  nativePreview: vi.fn(),
  nativePublish: vi.fn(),
  startNative: vi.fn(),
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
          { path: "/plans/native/:name", element: <FlashProvider><NativePage /></FlashProvider> },
          { path: "/executions/:id", element: <div data-testid="execution-page" /> },
        ],
        { initialEntries: ["/plans/native/shop"] },
      )}
    />,
  );

const server = (id: string, critical = true) => ({ arn: `arn:aws:drs:us-west-2:111122223333:source-server/${id}`, sourceServerId: id, name: `srv-${id}`, critical });
const steps: NativeStep[] = [
  { name: "data", wave: "data", config: { kind: "servers", servers: [server("s-1"), server("s-2")] } },
  { name: "data settle", wave: "data", config: { kind: "wait", minutes: 5 } },
  { name: "web", wave: "web", config: { kind: "servers", servers: [server("s-3", false)] } },
];
const preview = (state: NativePreview["drift"]["state"], differences: string[] = [], blocksDrill = false): NativePreview => ({
  publication: {
    plan: "shop",
    revision: 4,
    target: "Sandbox",
    nativeName: "shop",
    description: "",
    steps,
    gaps: [{ wave: "web", item: "approval", app: "waits for a person's approval", native: "starts as soon as the step before it ends", blocksDrill }],
    problems: [],
    digest: "abc",
  },
  drift: { state, differences, publishedRevision: state === "notPublished" ? undefined : 3 },
  appAdds: ["Readiness checked before it starts"],
});

beforeEach(() => vi.clearAllMocks());

describe("NativePage", () => {
  it("shows the steps DRS would run, what it does instead, and publishes", async () => {
    api.nativePreview.mockResolvedValueOnce(preview("notPublished")).mockResolvedValueOnce(preview("inSync"));
    api.nativePublish.mockResolvedValue({ arn: "arn:x", created: true, stepsCreated: 3, stepsUpdated: 0, stepsDeleted: 0, apiCalls: 8, after: { state: "inSync", differences: [] } });
    atPlan();
    expect(await screen.findByTestId("native-state")).toHaveTextContent("Not published to DRS");
    expect(screen.getByTestId("native-steps")).toHaveTextContent("wait 5 min");
    expect(screen.getByTestId("native-gaps")).toHaveTextContent("starts as soon as the step before it ends");
    expect(screen.getByTestId("native-app-adds")).toHaveTextContent("Readiness checked");
    expect(screen.getByTestId("native-drill")).toBeDisabled();
    fireEvent.click(screen.getByTestId("native-publish"));
    await waitFor(() => expect(api.nativePublish).toHaveBeenCalledWith("shop"));
    await waitFor(() => expect(screen.getByTestId("native-state")).toHaveTextContent("matches the current revision"));
    expect(screen.getByTestId("native-drill")).not.toBeDisabled();
  });

  it("names what changed in DRS", async () => {
    api.nativePreview.mockResolvedValue(preview("changedInDrs", ["step 2 \"data settle\" waits 1 min in DRS; the plan's waits 5 min"]));
    atPlan();
    expect(await screen.findByTestId("native-state")).toHaveTextContent("Changed in DRS since it was published (published from revision 3; the plan is at 4)");
    expect(screen.getByTestId("native-differences")).toHaveTextContent("waits 1 min in DRS");
    expect(screen.getByTestId("native-publish")).toHaveTextContent("Update DRS's copy");
  });

  it("offers no drill in DRS that would launch into DR instances", async () => {
    api.nativePreview.mockResolvedValue(preview("inSync", [], true));
    atPlan();
    expect(await screen.findByText("No drill in DRS for this plan")).toBeInTheDocument();
    expect(screen.getByTestId("native-drill")).toBeDisabled();
    expect(screen.getByTestId("native-gaps")).toHaveTextContent("no DRS drill");
  });

  it("starts a drill in DRS and opens its live view", async () => {
    api.nativePreview.mockResolvedValue(preview("inSync"));
    api.startNative.mockResolvedValue("exec-9");
    atPlan();
    fireEvent.click(await screen.findByTestId("native-drill"));
    expect(await screen.findByTestId("execution-page")).toBeInTheDocument();
    expect(api.startNative.mock.calls[0][1]).toMatchObject({ drill: true });
  });

  it("asks for the plan's name before a recovery", async () => {
    api.nativePreview.mockResolvedValue(preview("inSync"));
    api.startNative.mockRejectedValue({ code: "not_ready", message: "plan \"shop\" is not ready" });
    atPlan();
    fireEvent.click(await screen.findByTestId("native-recover"));
    const go = await screen.findByTestId("native-recover-confirm");
    expect(go).toBeDisabled();
    fireEvent.change(screen.getByTestId("native-recover-typed").querySelector("input")!, { target: { value: "shop" } });
    expect(go).not.toBeDisabled();
    fireEvent.click(go);
    expect(await screen.findByText("plan \"shop\" is not ready")).toBeInTheDocument();
    expect(api.startNative.mock.calls[0][1]).toMatchObject({ drill: false, confirm: "shop" });
  });

  it("shows the error of a plan that cannot be read", async () => {
    api.nativePreview.mockRejectedValue({ code: "invalid", message: "plan \"shop\" spans several targets" });
    atPlan();
    expect(await screen.findByText(/spans several targets/)).toBeInTheDocument();
  });

  it("words steps and counts servers", () => {
    expect(stepWords(steps[0])).toBe("launch 2 servers");
    expect(stepWords(steps[2])).toBe("launch 1 server (optional: failures do not stop the plan)");
    expect(serverCount(steps)).toBe(3);
  });
});
