import { render, screen } from "@testing-library/react";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import { GroupsPage } from "./GroupsPage";
import { PlansPage } from "./PlansPage";

const api = vi.hoisted(() => ({ plans: vi.fn(), groups: vi.fn(), readinessList: vi.fn(async () => []) }));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const inApp = (ui: React.ReactNode) =>
  render(<RouterProvider router={createMemoryRouter([{ path: "/", element: <FlashProvider>{ui}</FlashProvider> }])} />);

beforeEach(() => vi.clearAllMocks());

describe("PlansPage", () => {
  it("says what a plan is when there is none", async () => {
    api.plans.mockResolvedValue([]);
    inApp(<PlansPage />);
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No recovery plans");
  });

  it("lists plans with their waves, RTO and revision", async () => {
    api.plans.mockResolvedValue([
      { name: "shop-dr", description: "Web shop", waves: 4, groups: 4, rtoTargetMinutes: 60, revision: 3, updatedAt: "2026-11-26T06:44:29Z", updatedBy: "local:alice" },
      { name: "erp-dr", description: "", waves: 1, groups: 1, rtoTargetMinutes: null, revision: 1, updatedAt: "2026-11-25T06:44:29Z", updatedBy: "local:bob" },
    ]);
    inApp(<PlansPage />);
    expect(await screen.findByText("shop-dr")).toBeInTheDocument();
    expect(screen.getByText("60 min")).toBeInTheDocument();
    expect(screen.getByText("not set")).toBeInTheDocument();
    expect(screen.getByText("local:alice")).toBeInTheDocument();
  });

  it("shows why the database cannot be used", async () => {
    api.plans.mockRejectedValue({ code: "store_unavailable", message: "the database /x/drs-orchestrator.sqlite3 is read-only" });
    inApp(<PlansPage />);
    const err = await screen.findByTestId("error-state");
    expect(err).toHaveTextContent("The local database cannot be used");
    expect(err).toHaveTextContent("is read-only");
  });
});

describe("GroupsPage", () => {
  it("describes each group's selector", async () => {
    api.groups.mockResolvedValue([
      { name: "db", target: "Sandbox", selector: { tags: { Application: "shop", Tier: "db" } }, launch: { launchMode: "newInstances" } },
      { name: "batch", target: "Sandbox", selector: { sourceServerIds: ["s-0b4e5d6c7a8f9e0d1"] }, launch: { launchMode: "preProvisioned" } },
    ]);
    inApp(<GroupsPage />);
    expect(await screen.findByText("Application=shop AND Tier=db")).toBeInTheDocument();
    expect(screen.getByText("1 listed server(s)")).toBeInTheDocument();
    expect(screen.getByText("Into pre-provisioned DR instances")).toBeInTheDocument();
  });

  it("has an empty state", async () => {
    api.groups.mockResolvedValue([]);
    inApp(<GroupsPage />);
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No protection groups");
  });
});
