import { readFileSync, rmSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { makeFleet, testNixConfig } from "../support/nix.js";
import { runAction, type Flavour } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/**
 * A builder that prints a long log, one endless line in it, then fails: the host is reported as
 * failed with the log's real end, the endless line cut. (600 MiB is measured at the run() level,
 * test/integration/bounded-output.test.ts: through Nix 2.8 it would take minutes.)
 */
describeEachNix("build-matrix with a long, endless-lined build log", () => {
  it.each(["github", "forgejo"] as const)("%s: reports the host failed with the log's tail", async (flavour: Flavour) => {
    const builder =
      "yes 'compiling some/source/file.c' | head -n 50000; head -c 2097152 /dev/zero | tr '\\0' x; echo; echo 'error: the build failed at its very end' >&2; exit 1\n";
    const workspace = makeFleet({ "lib/default.nix": (s: string) => s.replace("mkdir -p $out/etc\n", `${builder}          mkdir -p $out/etc\n`) }, { git: true }).root;
    temps.push(workspace);
    const result = await runAction({ action: "actions/build-matrix", flavour, workspace, inputs: { mode: "build", host: "web" }, env: { NIX_CONFIG: testNixConfig } });
    temps.push(result.runnerTemp);
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain("build-matrix failed with: 1 of 1 hosts failed (failed to build or push: web)");
    const report = JSON.parse(readFileSync(result.outputs.report ?? "", "utf8"));
    const web = report.hosts[0];
    expect(web).toMatchObject({ host: "web", status: "failed", errorKind: "failure" });
    expect(web.logTail).toMatch(/error: the build failed at its very end/);
    expect(Math.max(...(web.logTail as string).split("\n").map((l) => l.length))).toBeLessThan(8300);
    // The endless line reached the log cut, not whole.
    expect(result.log).toMatch(/x{8000}… \[line cut\]/);
    expect(result.log).not.toMatch(/x{9000}/);
  });
});
