import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import { Flashes } from "../test/Flashes";
import type { MadeReport } from "../types";
import { clock } from "./ExecutionView";
import { ReportsPage } from "./ReportsPage";

const api = vi.hoisted(() => ({
  plans: vi.fn(),
  executions: vi.fn(),
  readinessReport: vi.fn(),
  drillReport: vi.fn(),
  saveReport: vi.fn(),
  chooseScheduleFolder: vi.fn(),
  reportSchedule: vi.fn(),
  saveReportSchedule: vi.fn(),
  runReportSchedule: vi.fn(),
  retryDeliveries: vi.fn(),
  targets: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));


const at = (path: string) =>
  render(
    <RouterProvider
      router={createMemoryRouter(
        [
          {
            path: "/reports",
            element: (
              <FlashProvider>
                <Flashes />
                <ReportsPage />
              </FlashProvider>
            ),
          },
        ],
        { initialEntries: [path] },
      )}
    />,
  );

const readinessMade: MadeReport = {
  token: "report-1",
  preview: {
    title: "Readiness report: retail-dr",
    fileName: "readiness-retail-dr-2026-11-26.pdf",
    format: "pdf",
    bytes: 760_000,
    summary: {
      kind: "readiness",
      checkedAt: "2026-11-26T10:00:00Z",
      identity: ["Sandbox: arn:aws:iam::111122223333:user/sandbox-admin"],
      plans: [
        {
          plan: "retail-dr",
          ready: false,
          servers: 40,
          blockedServers: 6,
          warningServers: 2,
          blockers: 9,
          warnings: 3,
          topBlockers: ["retail-mq-03: the replication agent was last seen 3 h 12 min ago"],
          lastDrill: "exec-1",
          lastDrillRtoSeconds: 1739,
          rtoTargetSeconds: 1800,
        },
      ],
    },
  },
};

beforeEach(() => {
  for (const f of Object.values(api)) f.mockReset();
  api.plans.mockResolvedValue([{ name: "retail-dr", waves: 4, groups: 6, revision: 3 }]);
  api.executions.mockResolvedValue([
    { id: "exec-20261126-1", plan: "retail-dr", kind: "drill", status: "running", startedAt: "2026-11-26T10:00:00Z", startedBy: "local:alice", cleanup: "notNeeded" },
    { id: "exec-20261125-1", plan: "retail-dr", kind: "drill", status: "completed", startedAt: "2026-11-25T10:00:00Z", startedBy: "local:alice", cleanup: "verified" },
  ]);
  api.reportSchedule.mockResolvedValue({ schedule: null, lastRun: null, nextRun: null, pendingDeliveries: [] });
  api.targets.mockResolvedValue([{ name: "Production", accountId: "111122223333", recoveryRegion: "us-west-2" }]);
});

describe("clock", () => {
  it("reads as a stopwatch", () => {
    expect(clock(65)).toBe("1:05");
    expect(clock(1739)).toBe("28:59");
    expect(clock(3725)).toBe("1:02:05");
  });
});

describe("Readiness report", () => {
  it("checks every plan when none is chosen, previews the summary and saves where the dialog says", async () => {
    api.readinessReport.mockResolvedValue(readinessMade);
    api.saveReport.mockResolvedValue("/home/alice/readiness.pdf");
    at("/reports");
    await userEvent.click(await screen.findByTestId("make-readiness-report"));
    expect(api.readinessReport).toHaveBeenCalledWith([], "pdf");
    const preview = await screen.findByTestId("report-preview");
    expect(within(preview).getByText("Readiness report: retail-dr")).toBeInTheDocument();
    expect(within(preview).getByText("Not ready")).toBeInTheDocument();
    expect(within(preview).getByText("6")).toBeInTheDocument();
    expect(within(preview).getByText("28:59 of 30:00")).toBeInTheDocument();
    expect(within(preview).getByText(/Blockers first: retail-mq-03/)).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("report-save"));
    await waitFor(() => expect(api.saveReport).toHaveBeenCalledWith("report-1"));
    expect(await screen.findByText(/Saved to \/home\/alice\/readiness.pdf/)).toBeInTheDocument();
  });

  it("saves nothing when the dialog is cancelled and says why a save failed", async () => {
    api.readinessReport.mockResolvedValue(readinessMade);
    api.saveReport.mockResolvedValueOnce(null);
    at("/reports");
    await userEvent.click(await screen.findByTestId("make-readiness-report"));
    await userEvent.click(await screen.findByTestId("report-save"));
    await waitFor(() => expect(api.saveReport).toHaveBeenCalledTimes(1));
    expect(screen.queryByText(/Saved to/)).not.toBeInTheDocument();
    api.saveReport.mockRejectedValue({ code: "io", message: "/proc/r.pdf: No such file or directory" });
    await userEvent.click(screen.getByTestId("report-save"));
    expect(await screen.findByText(/The report was not saved/)).toBeInTheDocument();
    expect(screen.getByText(/\/proc\/r.pdf: No such file or directory/)).toBeInTheDocument();
  });

  it("shows the error of a plan that no longer exists", async () => {
    api.readinessReport.mockRejectedValue({ code: "not_found", message: 'plan "gone" not found' });
    at("/reports");
    await userEvent.click(await screen.findByTestId("make-readiness-report"));
    expect(await screen.findByTestId("error-state")).toHaveTextContent('plan "gone" not found');
  });

  it("has an empty state without plans", async () => {
    api.plans.mockResolvedValue([]);
    at("/reports");
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No recovery plans");
  });
});

describe("Drill report", () => {
  it("reports a running execution as in progress", async () => {
    api.drillReport.mockResolvedValue({
      token: "report-2",
      preview: {
        title: "Drill report: retail-dr (exec-20261126-1)",
        fileName: "drill-retail-dr-exec-20261126-1.pdf",
        format: "pdf",
        bytes: 700_000,
        summary: {
          kind: "drill",
          execution: "exec-20261126-1",
          plan: "retail-dr",
          executionKind: "drill",
          status: "running",
          inProgress: true,
          measuredSeconds: null,
          targetSeconds: 1800,
          launched: 12,
          failed: 0,
          total: 40,
          cleanup: "notNeeded",
        },
      },
    });
    at("/reports?execution=exec-20261126-1");
    const table = await screen.findByTestId("report-executions");
    await waitFor(() => expect(within(table).getByText("exec-20261125-1")).toBeInTheDocument());
    await userEvent.click(screen.getByTestId("make-drill-report"));
    expect(api.drillReport).toHaveBeenCalledWith("exec-20261126-1", "pdf");
    expect(await screen.findByTestId("report-in-progress")).toBeInTheDocument();
    expect(screen.getByText("12 of 40")).toBeInTheDocument();
    expect(screen.getByText("measured when every server has launched")).toBeInTheDocument();
  });
});

describe("Schedule", () => {
  it("names the field the backend refused, then saves a weekly schedule", async () => {
    api.saveReportSchedule.mockRejectedValueOnce({
      code: "invalid",
      message: "the schedule is not valid",
      problems: [{ severity: "error", path: "folder", message: "/nope is not an existing folder" }],
    });
    api.chooseScheduleFolder.mockResolvedValueOnce("/nope");
    at("/reports?tab=schedule");
    await userEvent.click(await screen.findByTestId("schedule-choose-folder"));
    await waitFor(() => expect(screen.getByTestId("schedule-folder").querySelector("input")).toHaveValue("/nope"));
    await userEvent.click(screen.getByTestId("schedule-save"));
    expect(await screen.findByText("/nope is not an existing folder")).toBeInTheDocument();

    api.saveReportSchedule.mockImplementation(async (s) => ({ schedule: s, lastRun: null, nextRun: "2026-11-27T06:00:00Z" }));
    api.chooseScheduleFolder.mockResolvedValue("/home/alice/reports");
    await userEvent.click(screen.getByTestId("schedule-choose-folder"));
    await waitFor(() => expect(screen.getByTestId("schedule-folder").querySelector("input")).toHaveValue("/home/alice/reports"));
    await userEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() =>
      expect(api.saveReportSchedule).toHaveBeenLastCalledWith(expect.objectContaining({ folder: "/home/alice/reports", cadence: "daily", hour: 6, enabled: true })),
    );
    expect(await screen.findByText(/Schedule saved/)).toBeInTheDocument();
  });

  it("shows the last run's files and runs on demand", async () => {
    api.reportSchedule.mockResolvedValue({
      schedule: { enabled: true, folder: "/r", cadence: "weekly", weekday: 1, hour: 8, plans: [], format: "pdf" },
      lastRun: { at: "2026-11-23T08:00:05Z", files: ["/r/readiness-retail-dr-2026-11-23.pdf"], errors: [], deliveries: [] },
      nextRun: "2026-11-30T08:00:00Z",
      pendingDeliveries: [],
    });
    api.runReportSchedule.mockResolvedValue({ at: "2026-11-26T12:00:00Z", files: ["/r/a.pdf"], errors: [], deliveries: [] });
    at("/reports?tab=schedule");
    expect(await screen.findByTestId("schedule-files")).toHaveTextContent("/r/readiness-retail-dr-2026-11-23.pdf");
    expect(screen.getByText("1 report(s) written")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("schedule-run-now"));
    await waitFor(() => expect(api.runReportSchedule).toHaveBeenCalled());
    expect(await screen.findByText(/Reports written/)).toBeInTheDocument();
  });

  it("delivers to S3 and by e-mail: the settings saved, each delivery's key, version or failure shown, retried on demand", async () => {
    const delivered = {
      plan: "retail-dr",
      file: "/r/readiness-retail-dr.pdf",
      channel: "s3",
      destination: "s3://dr-evidence/readiness/readiness-retail-dr.pdf",
      status: "delivered",
      attempts: 1,
      lastAttempt: "2026-11-23T08:00:06Z",
      key: "readiness/readiness-retail-dr.pdf",
      versionId: "v-42",
      summary: "",
    };
    const failed = {
      plan: "retail-dr",
      file: "/r/readiness-retail-dr.pdf",
      channel: "email",
      destination: "audit@example.com",
      status: "retrying",
      attempts: 1,
      lastAttempt: "2026-11-23T08:00:06Z",
      nextAttempt: "2026-11-23T08:05:06Z",
      error: "ses:SendEmail: MessageRejected: Email address is not verified",
      summary: "",
    };
    const schedule = { enabled: true, folder: "/r", cadence: "daily", weekday: 1, hour: 8, plans: [], format: "pdf" };
    api.reportSchedule.mockResolvedValue({
      schedule,
      lastRun: { at: "2026-11-23T08:00:05Z", files: ["/r/readiness-retail-dr.pdf"], errors: [], deliveries: [delivered, failed] },
      nextRun: "2026-11-24T08:00:00Z",
      pendingDeliveries: [failed],
    });
    api.saveReportSchedule.mockImplementation(async (s) => ({ schedule: s, lastRun: null, nextRun: null, pendingDeliveries: [] }));
    api.retryDeliveries.mockResolvedValue([{ ...failed, status: "delivered", attempts: 2, messageId: "m-1", error: undefined }]);
    at("/reports?tab=schedule");
    const table = await screen.findByTestId("schedule-deliveries");
    expect(within(table).getByText("key readiness/readiness-retail-dr.pdf, version v-42")).toBeInTheDocument();
    expect(within(table).getByText(/MessageRejected/)).toBeInTheDocument();
    expect(within(table).getByText("Failed, will retry")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("schedule-retry"));
    await waitFor(() => expect(api.retryDeliveries).toHaveBeenCalled());
    expect(await screen.findByText(/1 delivery\(ies\) made/)).toBeInTheDocument();

    const toggle = (id: string) => userEvent.click(screen.getByTestId(id).querySelector("input") as HTMLInputElement);
    await toggle("schedule-deliver");
    await screen.findByTestId("delivery-s3");
    await toggle("delivery-s3");
    await userEvent.type(screen.getByLabelText("Bucket"), "dr-evidence");
    await userEvent.type(screen.getByLabelText("Key prefix"), "readiness/");
    await toggle("delivery-email");
    await userEvent.type(screen.getByLabelText("From"), "dr@example.com");
    await userEvent.type(screen.getByLabelText("To"), "audit@example.com");
    await userEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() =>
      expect(api.saveReportSchedule).toHaveBeenLastCalledWith(
        expect.objectContaining({
          delivery: {
            target: "Production",
            s3: { bucket: "dr-evidence", prefix: "readiness/", encryption: "s3-managed" },
            email: { from: "dr@example.com", to: ["audit@example.com"] },
          },
        }),
      ),
    );
  });
});
