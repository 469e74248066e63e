import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import type { MonitoringStatus, Target } from "../types";
import { MonitoringPage, changeResource, parseEmails } from "./MonitoringPage";

const api = vi.hoisted(() => ({
  targets: vi.fn(),
  monitoringStatus: vi.fn(),
  monitoringDeploy: vi.fn(),
  monitoringRemove: vi.fn(),
  monitoringTemplate: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const target = { name: "Sandbox", accountId: "111122223333", recoveryRegion: "us-west-2" } as Target;
const alarm = (id: string) => ({ name: `drs-orchestrator-Sandbox-lag-${id}`, sourceServerId: id, server: `srv-${id}`, thresholdSeconds: 1800 });
const desired = {
  target: "Sandbox",
  topic: "drs-orchestrator-Sandbox",
  emails: ["ops@example.com"],
  rules: [{ name: "drs-orchestrator-Sandbox-launch", what: "launch result", pattern: "{}" }],
  alarms: [alarm("s-1"), alarm("s-2")],
  tags: { "drs-orchestrator:owner": "drs-orchestrator" },
} as unknown as MonitoringStatus["desired"];
const notDeployed: MonitoringStatus = {
  desired,
  observed: { topicTags: {}, subscriptions: [], rules: [], alarms: [] },
  changes: [
    { kind: "createTopic", name: "drs-orchestrator-Sandbox" },
    { kind: "subscribe", email: "ops@example.com" },
    { kind: "putAlarm", alarm: alarm("s-1"), why: "missing" },
    { kind: "putAlarm", alarm: alarm("s-2"), why: "missing" },
  ],
  words: [
    "create SNS topic drs-orchestrator-Sandbox",
    "subscribe ops@example.com",
    "create the alarm drs-orchestrator-Sandbox-lag-s-1 (missing)",
    "create the alarm drs-orchestrator-Sandbox-lag-s-2 (missing)",
  ],
};
const inPlace: MonitoringStatus = {
  desired,
  observed: {
    topicArn: "arn:aws:sns:us-west-2:111122223333:drs-orchestrator-Sandbox",
    topicTags: { "drs-orchestrator:owner": "drs-orchestrator" },
    subscriptions: [["ops@example.com", "PendingConfirmation"]],
    rules: [{ name: "drs-orchestrator-Sandbox-launch", pattern: "{}", targets: [] }],
    alarms: [
      { name: alarm("s-1").name, sourceServerId: "s-1", thresholdSeconds: 1800, actions: [] },
      { name: alarm("s-2").name, sourceServerId: "s-2", thresholdSeconds: 1800, actions: [] },
    ],
  },
  changes: [],
  words: [],
};

const open = () =>
  render(
    <MemoryRouter>
      <FlashProvider>
        <MonitoringPage />
      </FlashProvider>
    </MemoryRouter>,
  );

beforeEach(() => {
  vi.clearAllMocks();
  api.targets.mockResolvedValue([target]);
});

describe("MonitoringPage", () => {
  it("shows what a deploy would make, deploys after confirming, and shows it in place", async () => {
    api.monitoringStatus.mockResolvedValue(notDeployed);
    api.monitoringDeploy.mockResolvedValue({ done: notDeployed.words, after: inPlace });
    open();
    expect(await screen.findByText("Not deployed")).toBeInTheDocument();
    const table = screen.getByTestId("monitoring-changes");
    expect(within(table).getByText("create the alarm drs-orchestrator-Sandbox-lag-s-2 (missing)")).toBeInTheDocument();
    expect(api.monitoringStatus).toHaveBeenCalledWith("Sandbox", []);
    fireEvent.click(screen.getByTestId("monitoring-deploy"));
    fireEvent.click(await screen.findByTestId("monitoring-confirm"));
    await waitFor(() => expect(api.monitoringDeploy).toHaveBeenCalledWith("Sandbox", []));
    expect(await screen.findByText("Deployed and in place")).toBeInTheDocument();
    expect(screen.getByText(/some awaiting confirmation/)).toBeInTheDocument();
    expect(screen.getByText("Deployed and in place: nothing to change.")).toBeInTheDocument();
  });

  it("filters the changes and asks again with the recipients typed", async () => {
    api.monitoringStatus.mockResolvedValue(notDeployed);
    open();
    await screen.findByText("Not deployed");
    const table = screen.getByTestId("monitoring-changes");
    fireEvent.change(within(table).getByPlaceholderText("Find changes").querySelector("input") ?? within(table).getByPlaceholderText("Find changes"), {
      target: { value: "subscribe" },
    });
    await waitFor(() => expect(within(table).queryByText(/lag-s-1/)).not.toBeInTheDocument());
    expect(within(table).getByText("subscribe ops@example.com")).toBeInTheDocument();
    const input = screen.getByLabelText("E-mail recipients");
    fireEvent.change(input, { target: { value: "a@example.com, b@example.com" } });
    fireEvent.click(screen.getByText("Apply"));
    await waitFor(() => expect(api.monitoringStatus).toHaveBeenLastCalledWith("Sandbox", ["a@example.com", "b@example.com"]));
  });

  it("says what AWS refused, and offers to retry", async () => {
    api.monitoringStatus.mockRejectedValue({ code: "aws", message: "sns:ListTopics: access denied (needed by: monitoring)" });
    open();
    expect(await screen.findByTestId("error-state")).toHaveTextContent("needed by: monitoring");
    api.monitoringStatus.mockResolvedValue(inPlace);
    fireEvent.click(screen.getByText("Retry"));
    expect(await screen.findByText("Deployed and in place")).toBeInTheDocument();
  });

  it("shows the empty state without targets", async () => {
    api.targets.mockResolvedValue([]);
    open();
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No target");
  });

  it("removes after confirming, naming what goes", async () => {
    api.monitoringStatus.mockResolvedValue(inPlace);
    api.monitoringRemove.mockResolvedValue({ done: ["delete"], after: { ...notDeployed } });
    open();
    await screen.findByText("Deployed and in place");
    fireEvent.click(screen.getByTestId("monitoring-remove"));
    expect(await screen.findByText(/1 EventBridge rule\(s\) and 2 CloudWatch alarm\(s\)/)).toBeInTheDocument();
    fireEvent.click(screen.getByTestId("monitoring-confirm"));
    await waitFor(() => expect(api.monitoringRemove).toHaveBeenCalledWith("Sandbox"));
    expect(await screen.findByText("Not deployed")).toBeInTheDocument();
  });

  it("reads recipients and names resources", () => {
    expect(parseEmails(" a@x.com, b@x.com;c@x.com \n")).toEqual(["a@x.com", "b@x.com", "c@x.com"]);
    expect(changeResource({ kind: "deleteAlarms", names: [] })).toBe("CloudWatch alarm");
  });
});
