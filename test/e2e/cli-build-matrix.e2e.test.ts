import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { repoRoot } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

const cli = join(repoRoot, "dist", "nix-fleet.js");
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function nixFleet(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", env: { ...process.env, NIX_CONFIG: testNixConfig } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeEachNix("nix-fleet plan and build (the committed CLI bundle)", () => {
  it("plans every host, builds and pushes them all, and then plans nothing", () => {
    const fleet = makeFleet().root;
    const cache = mkdtempSync(join(tmpdir(), "cli-cache-"));
    made.push(fleet, cache);
    const caches = `file://${cache}`;

    const plan = nixFleet(["plan", "--flake", ".", "--caches", caches], fleet);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).include.map((e: { host: string }) => e.host)).toEqual(["db", "mgmt", "web"]);

    const build = nixFleet(["build", "--all", "--flake", ".", "--caches", caches, "--push-to", caches, "--json"], fleet);
    expect(build.code, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout).hosts.map((h: { status: string }) => h.status)).toEqual(["pushed", "pushed", "pushed"]);
    expect(build.stderr).toMatch(/web\s+✅ pushed/);

    const again = nixFleet(["plan", "--flake", ".", "--caches", caches], fleet);
    expect(JSON.parse(again.stdout)).toEqual({ include: [] });
  });

  it("exits 1 naming the host that fails, and 2 on bad usage", () => {
    const fleet = makeFleet(breakages.dbAssertion).root;
    const keys = mkdtempSync(join(tmpdir(), "cli-keys-"));
    made.push(fleet, keys);
    const r = nixFleet(["build", "--host", "db", "--flake", "."], fleet);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nix-fleet build failed: 1 of 1 hosts failed (failed to evaluate: db)");
    expect(JSON.parse(nixFleet(["build", "--host", "db", "--flake", ".", "--json"], fleet).stdout).hosts[0].status).toBe("eval-failed");
    expect(r.stderr).toContain("postgresql must not listen on a privileged port");

    writeFileSync(join(keys, "sk"), "not-a-key");
    const bad = nixFleet(["build", "--all", "--flake", ".", "--push-to", "file:///tmp/x", "--signing-key-file", join(keys, "sk")], fleet);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Invalid option --signing-key-file: it is not a Nix secret key.");
    expect(nixFleet(["build", "--flake", "."], fleet).code).toBe(2);
    const missing = nixFleet(["build", "--all", "--flake", ".", "--push-to", "file:///tmp/x", "--signing-key-file", join(keys, "absent")], fleet);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Invalid option --signing-key-file: cannot read '${join(keys, "absent")}': no such file.`);
    const cachix = nixFleet(["build", "--all", "--flake", ".", "--push-to", "cachix:fleet"], fleet);
    expect(cachix.code).toBe(2);
    expect(cachix.stderr).toContain("Invalid environment variable CACHIX_AUTH_TOKEN: it is required to push to cachix:fleet.");
  });
});
