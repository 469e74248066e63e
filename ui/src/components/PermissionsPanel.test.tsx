import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { FeaturePermissions } from "../types";
import { PermissionsPanel, iamPolicy } from "./PermissionsPanel";

const features: FeaturePermissions[] = [
  { id: "native", feature: "DRS recovery plans", scope: "recovery region", actions: ["drs:GetRecoveryPlan", "drs:DescribeJobs"] },
  { id: "drills", feature: "Drills", scope: "recovery region", actions: ["drs:StartRecovery", "drs:DescribeJobs"] },
];
const api = vi.hoisted(() => ({ permissions: vi.fn() }));
vi.mock("../backend", () => ({ backend: api, toBackendError: (e: unknown) => e }));

describe("PermissionsPanel", () => {
  it("lists each feature's actions", async () => {
    api.permissions.mockResolvedValue(features);
    render(<PermissionsPanel />);
    expect(await screen.findByText("drs:GetRecoveryPlan, drs:DescribeJobs")).toBeInTheDocument();
    expect(screen.getByText("Copy IAM policy")).toBeInTheDocument();
  });

  it("makes one policy with every action once", () => {
    const p = JSON.parse(iamPolicy(features));
    expect(p.Statement[0].Action).toEqual(["drs:DescribeJobs", "drs:GetRecoveryPlan", "drs:StartRecovery"]);
  });

  it("says why the list is missing", async () => {
    api.permissions.mockRejectedValue({ code: "internal", message: "the app is not reachable" });
    render(<PermissionsPanel />);
    expect(await screen.findByText("the app is not reachable")).toBeInTheDocument();
  });
});
