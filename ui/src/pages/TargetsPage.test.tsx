import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router-dom";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { FlashProvider } from "../components/flash";
import { IdentityProvider, identityLabel, shortArn } from "../components/identity";
import type { Target } from "../types";
import { TargetsPage } from "./TargetsPage";

const api = vi.hoisted(() => ({
  targets: vi.fn(),
  appInfo: vi.fn(),
  profiles: vi.fn(),
  saveTarget: vi.fn(),
  removeTarget: vi.fn(),
  testTarget: vi.fn(),
}));
vi.mock("../backend", () => ({
  backend: api,
  toBackendError: (e: unknown) => (e && typeof e === "object" && "code" in e ? e : { code: "internal", message: String(e) }),
}));

const sandbox: Target = { name: "Sandbox", accountId: "111122223333", primaryRegion: "us-east-1", recoveryRegion: "us-west-2", credentials: { kind: "sandbox" } };
const keys: Target = {
  name: "prod-keys",
  accountId: "111122223333",
  primaryRegion: "us-east-1",
  recoveryRegion: "us-west-2",
  endpointUrl: "http://127.0.0.1:4566",
  endpoints: { ses: "http://127.0.0.1:5000" },
  credentials: { kind: "accessKeys", accessKeyId: "AKIASANDBOXPROD00001", sessionTokenStored: false },
};

const inApp = () =>
  render(
    <RouterProvider
      router={createMemoryRouter([
        {
          path: "/",
          element: (
            <FlashProvider>
              <IdentityProvider autoTest={false}>
                <TargetsPage />
              </IdentityProvider>
            </FlashProvider>
          ),
        },
      ])}
    />,
  );

beforeEach(() => {
  vi.clearAllMocks();
  api.targets.mockResolvedValue([sandbox, keys]);
  api.appInfo.mockResolvedValue({ version: "0.1.0", dataDir: "/d", actor: "local:a", keychain: "ok" });
  api.profiles.mockResolvedValue([{ name: "corp", sso: true }]);
});

const form = () => within(screen.getByTestId("target-form"));
const selectRow = async (user: ReturnType<typeof userEvent.setup>, name: string) => {
  const row = (await screen.findByText(name)).closest("tr")!;
  await user.click(row.querySelector('input[type="radio"]')!);
};
const field = (testId: string) => screen.getByTestId(testId).querySelector("input")!;

describe("TargetsPage", () => {
  it("says where credentials come from without any secret", async () => {
    inApp();
    expect(await screen.findByText("Access key AKIASANDBOXPROD00001 · secret in keychain")).toBeInTheDocument();
    expect(screen.getByText("Sandbox (no AWS account)")).toBeInTheDocument();
  });

  it("adds a target with access keys: the secret goes to the backend once", async () => {
    const user = userEvent.setup();
    api.saveTarget.mockImplementation(async (t: Target) => t);
    inApp();
    await screen.findByText("prod-keys");
    await user.click(screen.getByTestId("add-target"));
    await user.type(field("target-name"), "staging");
    await user.type(field("target-account"), "222233334444");
    await user.click(form().getByText("Access keys"));
    await user.type(field("target-access-key-id"), "AKIAEXAMPLE000000001");
    await user.type(field("target-secret"), "wJalrXUtnFEMI/K7MDENG");
    expect(field("target-secret").type).toBe("password");
    await user.click(screen.getByTestId("target-save"));
    await waitFor(() => expect(api.saveTarget).toHaveBeenCalledTimes(1));
    const [target, secrets, mode] = api.saveTarget.mock.calls[0];
    expect(mode).toBe("add");
    expect(target).toEqual({
      name: "staging",
      accountId: "222233334444",
      primaryRegion: "us-east-1",
      recoveryRegion: "us-west-2",
      endpointUrl: undefined,
      credentials: { kind: "accessKeys", accessKeyId: "AKIAEXAMPLE000000001", sessionTokenStored: false },
    });
    expect(secrets).toEqual({ secretAccessKey: "wJalrXUtnFEMI/K7MDENG" });
    await waitFor(() => expect(screen.queryByTestId("target-form")).not.toBeInTheDocument());
  });

  it("shows each refused field under its input", async () => {
    const user = userEvent.setup();
    api.saveTarget.mockRejectedValue({
      code: "invalid",
      message: "target \"x\" is not valid",
      problems: [
        { severity: "error", path: "accountId", message: "account ID \"12\" is not valid: an AWS account ID is exactly 12 digits" },
        { severity: "error", path: "credentials.profile", message: "profile \"nope\" is not defined in ~/.aws/config" },
      ],
    });
    inApp();
    await screen.findByText("prod-keys");
    await user.click(screen.getByTestId("add-target"));
    await user.click(screen.getByTestId("target-save"));
    expect(await form().findByText(/an AWS account ID is exactly 12 digits/)).toBeInTheDocument();
    expect(form().getByText(/profile "nope" is not defined/)).toBeInTheDocument();
  });

  it("edits without re-entering a stored secret", async () => {
    const user = userEvent.setup();
    api.saveTarget.mockImplementation(async (t: Target) => t);
    inApp();
    await selectRow(user, "prod-keys");
    await user.click(screen.getByTestId("edit-target"));
    expect(field("target-name")).toBeDisabled();
    expect(field("target-secret").placeholder).toContain("stored");
    expect(form().getByText("Stored in the OS keychain. Leave empty to keep it.")).toBeInTheDocument();
    await user.click(screen.getByTestId("target-save"));
    await waitFor(() => expect(api.saveTarget).toHaveBeenCalledTimes(1));
    expect(api.saveTarget.mock.calls[0][1]).toEqual({});
    expect(api.saveTarget.mock.calls[0][2]).toBe("edit");
    // The endpoints of single services are kept, and can be edited.
    expect(api.saveTarget.mock.calls[0][0].endpoints).toEqual({ ses: "http://127.0.0.1:5000" });
    await user.click(await screen.findByTestId("edit-target"));
    const s3 = await screen.findByLabelText("S3 (report delivery) endpoint");
    await user.type(s3, "http://127.0.0.1:5001");
    await user.click(screen.getByTestId("target-save"));
    await waitFor(() => expect(api.saveTarget).toHaveBeenCalledTimes(2));
    expect(api.saveTarget.mock.calls[1][0].endpoints).toEqual({ ses: "http://127.0.0.1:5000", s3: "http://127.0.0.1:5001" });
  });

  it("warns when the keychain is not available", async () => {
    api.appInfo.mockResolvedValue({ version: "0.1.0", dataDir: "/d", actor: "local:a", keychain: "unavailable", keychainError: "the OS keychain is not available (no D-Bus)" });
    inApp();
    expect(await screen.findByTestId("keychain-alert")).toHaveTextContent("no D-Bus");
  });

  it("tests a connection and shows the caller ARN and where each service's requests go", async () => {
    const user = userEvent.setup();
    api.testTarget.mockResolvedValue({
      account: "111122223333",
      arn: "arn:aws:iam::111122223333:user/sandbox-admin",
      userId: "AIDA",
      endpoints: [
        { service: "drs", url: "https://vpce-0abc.drs.us-west-2.vpce.amazonaws.com" },
        { service: "ec2", url: "AWS (ec2.us-west-2.amazonaws.com)" },
        { service: "sts", url: "AWS (sts.us-west-2.amazonaws.com)" },
      ],
    });
    inApp();
    await selectRow(user, "prod-keys");
    await user.click(screen.getByTestId("test-target"));
    expect(await screen.findByText("arn:aws:iam::111122223333:user/sandbox-admin")).toBeInTheDocument();
    expect(api.testTarget).toHaveBeenCalledWith("prod-keys");
    expect(screen.getByTestId("target-endpoints")).toHaveTextContent("DRS: https://vpce-0abc.drs.us-west-2.vpce.amazonaws.com · EC2: AWS (ec2.us-west-2.amazonaws.com)");
  });
});

describe("identity label", () => {
  it("summarises who the app acts as", () => {
    expect(identityLabel(null, undefined)).toBe("No target");
    expect(identityLabel("prod", undefined)).toBe("prod: not tested");
    expect(identityLabel("prod", { state: "failed", message: "x" })).toBe("prod: cannot connect");
    expect(identityLabel("rec", { state: "ok", account: "444455556666", arn: "arn:aws:sts::444455556666:assumed-role/R/s", endpoints: [] })).toBe(
      "rec: 444455556666 assumed-role/R/s",
    );
    expect(shortArn("weird")).toBe("weird");
  });
});
