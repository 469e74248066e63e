import { describe, expect, it } from "vitest";
import { actionParameters } from "./GroupEditor";

describe("post-launch action parameters", () => {
  it("reads Key=value pairs separated by spaces", () => {
    expect(actionParameters("port=6379  timeout=30")).toEqual({ port: "6379", timeout: "30" });
    expect(actionParameters("flag")).toEqual({ flag: "" });
    expect(actionParameters("   ")).toBeUndefined();
  });
});
