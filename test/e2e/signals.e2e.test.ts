import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { CLEANUP_STATE, PRIVATE_DIR_PREFIX } from "../../src/runner/private-dir.js";
import { TestRepo } from "../support/git-repo.js";
import { makeFleet, testNixConfig } from "../support/nix.js";
import { processesGone, processesWith } from "../support/processes.js";
import { repoRoot, runAction, type Flavour } from "../support/runner-harness.js";
import { describeEachNix } from "../support/nix-versions.js";
import { describeWithTools } from "../support/tools.js";
import { tempDirs } from "../support/temp-dirs.js";

/**
 * SIGTERM to an action's main (a cancelled job) and SIGINT to the CLI (Ctrl-C): every program
 * stopped, every private file gone, the promised outputs set, 143/130. Before, `nix build` and
 * gitleaks went on running (reparented), and the signing key and netrc stayed under /tmp.
 */
const { temp, made: temps } = tempDirs();

/** A `sleep` no other process on the machine runs: its argument is the marker (GNU sleep takes fractions). */
function sleepMarker(): string {
  return `${600 + Math.floor(Math.random() * 300)}.${String(process.pid).padStart(6, "0")}${Date.now() % 1000}`;
}

/** Private directories (and what is in them) anywhere under `root`. */
function privateDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: "utf8" }).filter((p) => p.split("/").some((part) => part.startsWith(PRIVATE_DIR_PREFIX)));
}

/** Stands in for a gitleaks that takes long (a big history): a real executable the action runs, answering `version` like 8.16. */
function sleepyGitleaks(marker: string): string {
  const fake = join(temp("signals-gitleaks-"), "gitleaks");
  writeFileSync(fake, `#!/bin/sh\nif [ "$1" = version ]; then echo v8.16.0; exit 0; fi\necho scanning >&2\nsleep ${marker}\n`);
  chmodSync(fake, 0o755);
  return fake;
}

/** Stops main with `signal` once the marked sleep runs, noting RUNNER_TEMP's private directories at that moment. */
function stopWhenSleeping(marker: string, signal: NodeJS.Signals) {
  const seen = { runnerTemp: "", privateDirs: [] as string[] };
  const stop = {
    signal,
    when: () => processesWith({ argv: `sleep ${marker}` }).length > 0,
    atSignal: (dir: string) => {
      seen.runnerTemp = dir;
      seen.privateDirs = privateDirs(dir);
    },
  };
  return { seen, stop };
}

// Under each Nix: 2.26 runs through the chroot wrapper (one process more between the action and
// the builder), and every process of it must be stopped too.
describeEachNix("signals: build-matrix and the gate stopped while a host builds", () => {
  let secretKey: string;
  let cacheDir: string;
  beforeAll(() => {
    const env = { ...process.env, NIX_CONFIG: `${testNixConfig}\nexperimental-features = nix-command flakes` };
    secretKey = execFileSync("nix", ["key", "generate-secret", "--key-name", "signals-1"], { env, encoding: "utf8" }).trim();
    cacheDir = temp("signals-cache-");
  });

  /** A fleet whose hosts' builders sleep with `marker` (a fresh derivation each time: nothing cached). */
  const slowFleet = (marker: string) =>
    makeFleet({ "lib/default.nix": (s: string) => s.replace("mkdir -p $out/etc\n", `echo "building slowly" >&2; sleep ${marker}\n          mkdir -p $out/etc\n`) }, { git: true }).root;

  it.each(["github", "forgejo"] as const)("%s: build-matrix on SIGTERM stops nix build, removes the signing key, exits 143; post only warns", async (flavour: Flavour) => {
    const marker = sleepMarker();
    const workspace = slowFleet(marker);
    temps.push(workspace);
    const { seen, stop } = stopWhenSleeping(marker, "SIGTERM");
    const result = await runAction({
      action: "actions/build-matrix",
      flavour,
      workspace,
      inputs: { mode: "build", host: "web", "push-to": `file://${cacheDir}`, "signing-key": secretKey },
      env: { NIX_CONFIG: testNixConfig },
      stop,
    });
    temps.push(result.runnerTemp);
    const runnerTemp = seen.runnerTemp;
    expect(result.exitCode, result.log).toBe(143);
    // The key was on disk while the host built, in the private directory; nothing of it is left.
    expect(seen.privateDirs.some((p) => p.endsWith("/signing-key"))).toBe(true);
    expect(privateDirs(runnerTemp)).toEqual([]);
    // Removed by main itself, not left for post: the record main saved last is empty.
    expect(result.state[CLEANUP_STATE]).toBe("");
    expect(await processesGone({ argv: marker })).toEqual([]);
    expect(await processesGone({ env: `RUNNER_TEMP=${runnerTemp}` })).toEqual([]);
    if (flavour === "github") expect(result.log).toContain("::error::build-matrix was stopped by SIGTERM");
    else expect(result.log).toContain("error: build-matrix was stopped by SIGTERM");
    expect(result.post?.exitCode).toBe(0);
  });

  it.each(["github", "forgejo"] as const)("%s: the gate on SIGTERM sets result=failure and leaves nothing running", async (flavour: Flavour) => {
    const marker = sleepMarker();
    const workspace = slowFleet(marker);
    temps.push(workspace);
    const { seen, stop } = stopWhenSleeping(marker, "SIGTERM");
    const result = await runAction({
      action: ".",
      flavour,
      workspace,
      inputs: { "build-checks": "false", "push-to": `file://${cacheDir}`, "signing-key": secretKey },
      env: { NIX_CONFIG: testNixConfig },
      stop,
      timeoutMs: 240_000,
    });
    temps.push(result.runnerTemp);
    const runnerTemp = seen.runnerTemp;
    expect(result.exitCode, result.log).toBe(143);
    expect(result.outputs.result).toBe("failure");
    expect(privateDirs(runnerTemp)).toEqual([]);
    expect(await processesGone({ argv: marker })).toEqual([]);
    expect(await processesGone({ env: `RUNNER_TEMP=${runnerTemp}` })).toEqual([]);
    expect(result.log).toContain("gate was stopped by SIGTERM");
    expect(result.post?.exitCode).toBe(0);
  });

  it("nix-fleet build on Ctrl-C (SIGINT) stops the build, leaves no key or netrc under the temp dir, exits 130", async () => {
    const marker = sleepMarker();
    const fleet = slowFleet(marker);
    temps.push(fleet);
    const tmp = temp("signals-cli-tmp-");
    const keyFile = join(temp("signals-key-"), "key");
    writeFileSync(keyFile, secretKey, { mode: 0o600 });
    const netrcFile = join(temp("signals-netrc-"), "netrc");
    writeFileSync(netrcFile, "machine 127.0.0.1 login u password signals-netrc-password\n", { mode: 0o600 });
    const child = spawn(
      process.execPath,
      [join(repoRoot, "dist", "nix-fleet.js"), "build", "--host", "web", "--flake", fleet, "--push-to", `file://${cacheDir}`, "--signing-key-file", keyFile, "--caches", "http://127.0.0.1:9", "--cache-netrc-file", netrcFile, "--json"],
      { env: { ...process.env, TMPDIR: tmp, NIX_CONFIG: testNixConfig }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    let whileBuilding: string[] = [];
    for (let i = 0; i < 900 && !processesWith({ argv: `sleep ${marker}` }).length; i++) await new Promise((r) => setTimeout(r, 100));
    whileBuilding = privateDirs(tmp);
    child.kill("SIGINT");
    expect(await exited, stderr).toBe(130);
    expect(whileBuilding.filter((p) => /\/(signing-key|netrc)$/.test(p)).length, whileBuilding.join("\n")).toBe(2);
    expect(privateDirs(tmp)).toEqual([]);
    expect(await processesGone({ argv: marker })).toEqual([]);
    expect(await processesGone({ env: `TMPDIR=${tmp}` })).toEqual([]);
    expect(stderr).toContain("nix-fleet build: stopped by SIGINT");
    expect(JSON.parse(stdout)).toMatchObject({ result: "failure", errorKind: "signal" });
  });
});

// Nix 2.8 only: main is killed while (fake) gitleaks runs, before Nix builds anything; the post
// step's cleanup under test does not involve Nix.
describeWithTools(["nix", "git"], "signals: a main killed outright (SIGKILL)", () => {
  it("leaves the gate's post step to remove the private directories main recorded; post only warns", async () => {
    const marker = sleepMarker();
    const workspace = makeFleet({}, { git: true }).root;
    temps.push(workspace);
    const fake = sleepyGitleaks(marker);
    const { seen, stop } = stopWhenSleeping(marker, "SIGKILL");
    try {
      const result = await runAction({
        action: ".",
        flavour: "github",
        workspace,
        eventName: "workflow_dispatch",
        inputs: { "build-checks": "false", "gitleaks-path": fake },
        env: { NIX_CONFIG: testNixConfig },
        stop,
      });
      temps.push(result.runnerTemp);
      expect(result.exitCode).toBe(137);
      // secret-scan's scratch, below RUNNER_TEMP/nix-fleet, was there when main died; post removed it.
      expect(seen.privateDirs.some((p) => p.startsWith(`nix-fleet/${PRIVATE_DIR_PREFIX}`))).toBe(true);
      expect(result.state[CLEANUP_STATE]).not.toBe("");
      expect(result.post?.exitCode).toBe(0);
      expect(result.post?.log).not.toContain("not removing");
      expect(privateDirs(result.runnerTemp)).toEqual([]);
    } finally {
      // A program main was running when it was killed outright is the runner's to stop.
      for (const p of processesWith({ argv: `sleep ${marker}` })) process.kill(p.pid, "SIGKILL");
    }
  });
});

describeWithTools(["git"], "signals: secret-scan stopped while gitleaks runs", () => {
  it.each(["github", "forgejo"] as const)("%s: SIGTERM stops gitleaks, removes its private directory, exits 143", async (flavour: Flavour) => {
    const marker = sleepMarker();
    const repo = TestRepo.init("signals-scan-");
    temps.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    const fake = sleepyGitleaks(marker);
    const { seen, stop } = stopWhenSleeping(marker, "SIGTERM");
    const result = await runAction({ action: "actions/secret-scan", flavour, workspace: repo.dir, eventName: "workflow_dispatch", inputs: { "gitleaks-path": fake }, stop });
    temps.push(result.runnerTemp);
    expect(result.exitCode, result.log).toBe(143);
    expect(seen.privateDirs.length).toBeGreaterThan(0);
    expect(privateDirs(seen.runnerTemp)).toEqual([]);
    expect(result.state[CLEANUP_STATE]).toBe("");
    expect(await processesGone({ argv: marker })).toEqual([]);
    expect(result.log).toContain("secret-scan was stopped by SIGTERM");
  });
});
