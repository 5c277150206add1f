import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHttpCache, type HttpCache } from "../support/http-cache.js";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { PRIVATE_DIR_PREFIX } from "../../src/runner/private-dir.js";
import { runAction, type Flavour } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";

const action = "actions/build-matrix";
const temps: string[] = [];

describeEachNix("build-matrix action, plan feeding build through the matrix JSON", (nixUnderTest) => {
  let workspace: string;
  let cache: HttpCache;
  let secretKey: string;
  beforeAll(async () => {
    workspace = makeFleet({}, { git: true }).root;
    temps.push(workspace);
    cache = await startHttpCache();
    const env = { ...process.env, NIX_CONFIG: `${testNixConfig}\nexperimental-features = nix-command flakes` };
    secretKey = execFileSync("nix", ["key", "generate-secret", "--key-name", "e2e-1"], { env, encoding: "utf8" }).trim();
  });
  afterAll(async () => {
    await cache?.stop();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  const run = (flavour: Flavour, inputs: Record<string, string>) => runAction({ action, flavour, workspace, inputs, env: { NIX_CONFIG: testNixConfig } });

  it.each(["github", "forgejo"] as const)("%s: plan → one build job per host → plan again finds nothing to build", async (flavour) => {
    // Each flavour gets a fresh cache directory behind the same server.
    for (const entry of readdirSync(cache.dir)) rmSync(join(cache.dir, entry), { recursive: true, force: true });
    const caches = cache.url;
    const plan = await run(flavour, { mode: "plan", caches });
    expect(plan.exitCode, plan.log).toBe(0);
    expect(plan.outputs.empty).toBe("false");
    const include = JSON.parse(plan.outputs.matrix ?? "").include as { host: string; out: string }[];
    expect(include.map((e) => e.host)).toEqual(["db", "mgmt", "web"]);
    expect(plan.log).toContain("build-matrix (plan): all hosts good");

    for (const entry of include) {
      const build = await run(flavour, { mode: "build", host: entry.host, caches, "push-to": `file://${cache.dir}`, "signing-key": secretKey });
      expect(build.exitCode, build.log).toBe(0);
      expect(JSON.parse(build.outputs["out-paths"] ?? "")).toEqual({ [entry.host]: entry.out });
      expect(JSON.parse(build.outputs.results ?? "")[entry.host]).toMatchObject({ status: "pushed", pushed: true });
      const printed = build.rawLog.split("\n").filter((l) => !l.startsWith("::add-mask::"));
      expect(printed.join("\n")).not.toContain(secretKey.split(":")[1]);
      expect(existsSync(join(cache.dir, `${entry.out.slice(11, 43)}.narinfo`))).toBe(true);
      // Nothing private is left in RUNNER_TEMP once main and post have run.
      expect(readdirSync(build.runnerTemp).filter((f) => f.startsWith(PRIVATE_DIR_PREFIX))).toEqual([]);
      expect(build.post?.exitCode).toBe(0);
    }

    const again = await run(flavour, { mode: "plan", caches });
    expect(again.exitCode, again.log).toBe(0);
    expect(again.outputs.empty).toBe("true");
    expect(JSON.parse(again.outputs.matrix ?? "")).toEqual({ include: [] });
    expect(JSON.parse(again.outputs.cached ?? "")).toEqual(["db", "mgmt", "web"]);
    if (flavour === "github") expect(again.summary).toContain("| web | ✅ cached |");
    else expect(again.log).toMatch(/web\s+✅ cached/);
  });

  it.each(["github", "forgejo"] as const)("%s: mode all fails naming the host that does not evaluate, after building the others", async (flavour) => {
    const broken = makeFleet(breakages.dbAssertion, { git: true }).root;
    temps.push(broken);
    const result = await runAction({ action, flavour, workspace: broken, inputs: { mode: "all" }, env: { NIX_CONFIG: testNixConfig } });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain("build-matrix failed with: 1 of 3 hosts failed (failed to evaluate: db)");
    expect(JSON.parse(result.outputs.results ?? "")).toMatchObject({ db: { status: "eval-failed" }, mgmt: { status: "built" }, web: { status: "built" } });
    // Annotated where the error lies in the repository (the assertion throws in lib/default.nix):
    // Nix 2.8's innermost frame is the function (line 28), 2.26's the throw itself (line 32).
    const at = nixUnderTest.version === "2.8" ? "line=28,col=21" : "line=32,col=10";
    if (flavour === "github") expect(result.log).toContain(`::error title=host db failed to evaluate,file=lib/default.nix,${at}::`);
    else expect(result.log).toContain(`error: lib/default.nix:${nixUnderTest.version === "2.8" ? "28:21" : "32:10"}: host db failed to evaluate:`);
  });

  it.each(["github", "forgejo"] as const)("%s: a host's build and evaluation output cannot run workflow commands", async (flavour) => {
    const hostile = makeFleet(
      {
        "hosts/web.nix": (s: string) =>
          s.replace("networking.hostName = name;", 'networking.hostName = builtins.trace "tr\n::add-mask::web\n::add-mask::built" (throw "boom\n::add-mask::mgmt\n::add-mask::failed");'),
        "lib/default.nix": (s: string) => s.replace("mkdir -p $out/etc\n", 'echo "::add-mask::db" >&2; echo "::add-mask::pushed ${flavour}" >&2\n          mkdir -p $out/etc\n'),
      },
      { git: true },
    );
    temps.push(hostile.root);
    for (const [mode, inputs] of [["build", { mode: "build", host: "db" }], ["all", { mode: "all" }], ["build", { mode: "build", host: "web" }]] as const) {
      const r = await runAction({ action, flavour, workspace: hostile.root, inputs, env: { NIX_CONFIG: testNixConfig } });
      temps.push(r.runnerTemp);
      expect(r.log, `${mode}: ${r.log}`).not.toContain("***");
    }
  });

  it("rejects a bad input before doing anything", async () => {
    const result = await run("github", { mode: "build" });
    expect(result.exitCode).toBe(1);
    expect(result.log).toContain("build-matrix failed with: Invalid input 'host': it is required with mode 'build'.");
    expect(result.outputs).toEqual({});
  });
});
