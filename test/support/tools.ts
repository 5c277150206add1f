import { execFileSync } from "node:child_process";
import { describe } from "vitest";

export const onCI = process.env.CI === "true";

export function hasTool(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v "$1"`, "sh", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * A suite that needs real tools. Off CI, a machine without them skips it (and says so); on CI
 * (CI=true) it always runs, so a missing tool fails it instead of hiding it.
 */
export function describeWithTools(tools: string[], name: string, fn: () => void): void {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length && !onCI) {
    describe.skip(`${name} (needs ${missing.join(", ")}; run scripts/bootstrap)`, fn);
  } else {
    describe(name, fn);
  }
}
