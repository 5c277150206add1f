import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoRoot } from "../support/runner-harness.js";

it("the committed bundles equal a fresh build of the source", () => {
  let output = "";
  try {
    output = execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--check"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    expect.fail(`stale bundles: ${output}`);
  }
  expect(output).toBe("");
}, 60_000);
