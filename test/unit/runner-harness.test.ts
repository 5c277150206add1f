import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAction } from "../support/runner-harness.js";

const workspace = mkdtempSync(join(tmpdir(), "probe-ws-"));
const temps: string[] = [workspace];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.each(["github", "forgejo"] as const)("runner harness, %s flavour", (flavour) => {
  it("runs main then post as a runner does: inputs with defaults, files, event, masking, state", async () => {
    const r = await runAction({
      action: "test/fixtures/actions/probe",
      flavour,
      workspace,
      inputs: { token: "s3cr3t-t0ken" },
      eventName: "push",
      event: { ref: "refs/heads/main" },
    });
    temps.push(r.runnerTemp);
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ greeting: "hello", multi: "line 1\nline 2" });
    expect(r.state).toEqual({ cleanup: "/tmp/probe-4242" });
    expect(r.exportedEnv).toEqual({ PROBE: "1" });
    expect(r.addedPath).toEqual(["/opt/probe/bin"]);
    expect(r.summary).toBe("## probe summary\n");
    expect(r.log).toContain("token is ***");
    expect(r.log).not.toContain("s3cr3t-t0ken");
    expect(r.rawLog).toContain("s3cr3t-t0ken");
    expect(r.log).toContain(`event push ref=refs/heads/main cwd=${workspace}`);
    expect(r.log).toContain(flavour === "forgejo" ? "forgejo=true api=https://forgejo.fleet.test/api/v1" : "forgejo=no api=https://api.github.com");
    expect(r.post?.exitCode).toBe(0);
    expect(r.post?.log).toContain("post sees state /tmp/probe-4242");
  });
});

it("reports a failing step's exit code and refuses inputs the action does not declare", async () => {
  const r = await runAction({ action: "test/fixtures/actions/probe", flavour: "github", workspace, inputs: { greeting: "fail" } });
  temps.push(r.runnerTemp);
  expect(r.exitCode).toBe(1);
  await expect(runAction({ action: "test/fixtures/actions/probe", flavour: "github", workspace, inputs: { nope: "x" } })).rejects.toThrow(
    "declares no input 'nope'",
  );
});
