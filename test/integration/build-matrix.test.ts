import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readBuildMatrixOptions } from "../../src/actions/build-matrix/options.js";
import { failureMessage, runBuildMatrix } from "../../src/actions/build-matrix/run.js";
import { Inputs } from "../../src/runner/inputs.js";
import { TerminalRuntime } from "../../src/runner/terminal-runtime.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { startHttpCache, type HttpCache } from "../support/http-cache.js";
import { breakages, makeFleet, testNixConfig } from "../support/nix.js";
import { keyDir, makeKeyPair, sshClient, type SshClient } from "../support/ssh-client.js";
import { startTestHost, stopAll, type TestHost } from "../support/test-host.js";
import { describeEachNix } from "../support/nix-versions.js";
import { tempDirs } from "../support/temp-dirs.js";

// Read when called: the Nix under test is on PATH only inside its describe block.
const nixEnv = () => ({ ...process.env, NIX_CONFIG: `${testNixConfig}\nexperimental-features = nix-command flakes` });
const nix = (...args: string[]) => execFileSync("nix", args, { env: nixEnv(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const toplevel = (flake: string, host: string) => `${flake}#nixosConfigurations.${host}.config.system.build.toplevel`;
const outOf = (flake: string, host: string) => nix("eval", "--raw", `${toplevel(flake, host)}.outPath`);
const narinfoIn = (dir: string, path: string) => existsSync(join(dir, `${path.slice(11, 43)}.narinfo`));

const { temp, made: temps } = tempDirs();

/** A web host whose toplevel builder fails, beside good hosts. */
const webBuildFails = {
  "lib/default.nix": (s: string) =>
    s.replace('mkdir -p $out/etc\n', 'if [ "$hostName" = web ]; then echo "web: the disk is full" >&2; exit 3; fi\n          mkdir -p $out/etc\n'),
};

async function matrix(values: Record<string, string>, given?: RecordingRuntime) {
  let log = "";
  const runtime = given ?? new TerminalRuntime((t) => (log += t), true);
  const inputs = new Inputs((name) => values[name], (s) => runtime.setSecret(s));
  const options = readBuildMatrixOptions(inputs, { RUNNER_TEMP: temp("runner-temp-") });
  options.cacheCheck = { timeoutMs: 2000, retries: 1, concurrency: 8 };
  const report = await runBuildMatrix(options, { runtime });
  const outputs = runtime instanceof TerminalRuntime ? Object.fromEntries(runtime.outputs) : runtime.outputs;
  return { report, outputs, log: () => (runtime instanceof TerminalRuntime ? log : runtime.log), options };
}

describeEachNix("build-matrix against real Nix and an HTTP binary cache", () => {
  let fleet: string;
  let cache: HttpCache;
  beforeAll(async () => {
    process.env.NIX_CONFIG = testNixConfig;
    fleet = makeFleet().root;
    temps.push(fleet);
    cache = await startHttpCache({ dir: temp("cache-") });
    // web is in the cache already; db and mgmt are not.
    nix("build", "--no-link", toplevel(fleet, "web"));
    nix("copy", "--to", `file://${cache.dir}`, outOf(fleet, "web"));
  });
  afterAll(() => cache?.stop());

  it("plans exactly the hosts no cache holds, in one evaluation", async () => {
    cache.requests.length = 0;
    const { outputs, report, log } = await matrix({ flake: fleet, caches: cache.url });
    expect(log()).toContain("Evaluated 3 hosts in ");
    expect(log()).toContain("(1 nix evaluation): 0 failed.");
    expect(JSON.parse(outputs.hosts ?? "")).toEqual(["db", "mgmt"]);
    expect(JSON.parse(outputs.cached ?? "")).toEqual(["web"]);
    expect(outputs.empty).toBe("false");
    const include = JSON.parse(outputs.matrix ?? "").include;
    expect(include).toEqual([
      { host: "db", system: "x86_64-linux", drv: nix("eval", "--raw", `${toplevel(fleet, "db")}.drvPath`), out: outOf(fleet, "db") },
      { host: "mgmt", system: "x86_64-linux", drv: nix("eval", "--raw", `${toplevel(fleet, "mgmt")}.drvPath`), out: outOf(fleet, "mgmt") },
    ]);
    expect(report.result).toBe("success");
    expect(cache.requests.filter((r) => r.method === "HEAD")).toHaveLength(3);
    expect(cache.requests.filter((r) => r.method === "GET")).toEqual([{ method: "GET", path: "/nix-cache-info" }]);
  });

  it("plans only the selected hosts", async () => {
    const { outputs } = await matrix({ flake: fleet, caches: cache.url, hosts: "web,mgmt" });
    expect(JSON.parse(outputs.hosts ?? "")).toEqual(["mgmt"]);
    expect(JSON.parse(outputs.cached ?? "")).toEqual(["web"]);
  });

  it("is empty when every host is cached", async () => {
    const full = temp("cache-full-");
    for (const host of ["db", "mgmt", "web"]) nix("build", "--no-link", toplevel(fleet, host));
    nix("copy", "--to", `file://${full}`, ...["db", "mgmt", "web"].map((h) => outOf(fleet, h)));
    const served = await startHttpCache({ dir: full });
    try {
      const { outputs } = await matrix({ flake: fleet, caches: served.url });
      expect(outputs.empty).toBe("true");
      expect(JSON.parse(outputs.matrix ?? "")).toEqual({ include: [] });
      expect(JSON.parse(outputs.cached ?? "")).toEqual(["db", "mgmt", "web"]);
    } finally {
      await served.stop();
    }
  });

  it("reads a private cache with the netrc's credentials, and without them counts it as not cached", async () => {
    const served = await startHttpCache({ dir: cache.dir, auth: { basic: { login: "", password: "cache-token-123" } } });
    try {
      const netrc = "machine 127.0.0.1 login \"\" password cache-token-123";
      const withNetrc = await matrix({ flake: fleet, caches: served.url, "cache-netrc": netrc });
      expect(JSON.parse(withNetrc.outputs.cached ?? "")).toEqual(["web"]);
      expect(withNetrc.report.warnings).toEqual([]);
      const without = await matrix({ flake: fleet, caches: served.url });
      expect(JSON.parse(without.outputs.cached ?? "")).toEqual([]);
      expect(without.report.warnings[0]).toContain("HTTP 401");
    } finally {
      await served.stop();
    }
  });

  it("counts a cache answering 500 as not cached, with a warning", async () => {
    cache.faults.push({ status: 500 });
    try {
      const { outputs, report, log } = await matrix({ flake: fleet, caches: cache.url });
      expect(JSON.parse(outputs.hosts ?? "")).toEqual(["db", "mgmt", "web"]);
      expect(report.warnings).toEqual([`cache ${cache.url} could not be asked about 3 hosts (HTTP 500 after 2 attempts): counted as not cached there.`]);
      expect(log()).toContain("warning: cache");
    } finally {
      cache.faults.length = 0;
    }
  });

  it("plans, builds and reports the good hosts beside one that fails evaluation and one that fails its build", async () => {
    const broken = makeFleet({ ...breakages.dbAssertion, ...webBuildFails }).root;
    temps.push(broken);
    const plan = await matrix({ flake: broken });
    expect(JSON.parse(plan.outputs.hosts ?? "")).toEqual(["mgmt", "web"]);
    expect(plan.report.hosts.find((h) => h.host === "db")).toMatchObject({ status: "eval-failed", error: expect.stringContaining("postgresql must not listen on a privileged port") });

    const { report, outputs, log } = await matrix({ flake: broken, mode: "all", "max-parallel": "2" });
    const byHost = Object.fromEntries(report.hosts.map((h) => [h.host, h]));
    expect(byHost.mgmt).toMatchObject({ status: "built", out: outOf(broken, "mgmt"), closureBytes: expect.any(Number) });
    expect(byHost.mgmt?.closureBytes).toBeGreaterThan(0);
    expect(byHost.db?.status).toBe("eval-failed");
    expect(byHost.web?.status).toBe("failed");
    expect(byHost.web?.logTail).toContain("web: the disk is full");
    expect(report.result).toBe("failure");
    expect(failureMessage(report)).toBe("2 of 3 hosts failed (failed to evaluate: db; failed to build or push: web)");
    expect(JSON.parse(outputs["out-paths"] ?? "")).toEqual({ mgmt: outOf(broken, "mgmt") });
    expect(JSON.parse(outputs.results ?? "")).toMatchObject({
      db: { status: "eval-failed", pushed: false },
      mgmt: { status: "built", pushed: false, closureBytes: byHost.mgmt?.closureBytes },
      web: { status: "failed", pushed: false },
    });
    if (process.env.SHOW_LOG) console.log(log());
    expect(log()).toMatch(/web: last lines of the build:\n[\s\S]*web: the disk is full/);
    const saved = JSON.parse(readFileSync(outputs.report ?? "", "utf8"));
    expect(saved.hosts.map((h: { status: string }) => h.status)).toEqual(["eval-failed", "built", "failed"]);
  });

  it("pushes the whole signed closure of a host that was already built, and another store substitutes it", async () => {
    const pushed = temp("pushed-cache-");
    const keyDir = temp("keys-");
    const secretKey = nix("key", "generate-secret", "--key-name", "fleet-test-1").trim();
    writeFileSync(join(keyDir, "sk"), secretKey);
    const publicKey = execFileSync("nix", ["key", "convert-secret-to-public"], { env: nixEnv(), input: secretKey, encoding: "utf8" }).trim();
    const out = outOf(fleet, "web");
    const base = nix("path-info", "--recursive", out).split("\n").find((p) => p.endsWith("-fleet-base"));
    expect(base).toBeDefined();

    // web was built in beforeAll: nothing is built now, and the push must still carry its closure.
    const { report, outputs, options, log } = await matrix({ flake: fleet, mode: "all", hosts: "web", "push-to": `file://${pushed}`, "signing-key": secretKey });
    expect(report.hosts).toMatchObject([{ host: "web", status: "pushed", pushed: true }]);
    // The key file lived in a private directory that is gone, and the key never reached the log.
    expect(readdirSync(options.tempRoot)).toEqual(["nix-fleet"]);
    expect(log()).not.toContain(secretKey.split(":")[1]);
    if (process.env.SHOW_LOG) console.log(log());
    expect(JSON.parse(outputs.results ?? "").web.pushed).toBe(true);
    expect(narinfoIn(pushed, out)).toBe(true);
    expect(narinfoIn(pushed, base as string)).toBe(true);
    for (const path of [out, base as string]) expect(readFileSync(join(pushed, `${path.slice(11, 43)}.narinfo`), "utf8")).toContain("Sig: fleet-test-1:");

    const substitute = (key: string) =>
      execFileSync(
        "nix",
        ["build", "--no-link", "--store", temp("store-"), "--option", "substituters", `file://${pushed}`, "--option", "trusted-public-keys", key, out],
        { env: nixEnv(), stdio: "pipe" },
      );
    expect(() => substitute(publicKey)).not.toThrow();
    expect(() => substitute(`other-1:${publicKey.split(":")[1]}`)).toThrow();
  });

  it("pushes to an http:// cache and confirms the toplevel's narinfo is there; a cache that loses it fails the host", async () => {
    const served = await startHttpCache({ dir: temp("http-push-"), writable: true });
    try {
      const out = outOf(fleet, "db");
      const pushed = await matrix({ flake: fleet, mode: "all", hosts: "db", "push-to": served.url });
      // The error is in the comparison, so that a failure says why.
      expect(pushed.report.hosts.map(({ host, status, error }) => ({ host, status, error }))).toEqual([{ host: "db", status: "pushed", error: undefined }]);
      expect(served.requests.some((r) => r.method === "PUT" && r.path.endsWith(".narinfo"))).toBe(true);
      expect(served.requests.filter((r) => r.method === "HEAD").at(-1)?.path).toBe(`/${out.slice(11, 43)}.narinfo`);

      const losing = await startHttpCache({ dir: temp("http-lost-"), writable: true });
      // It keeps everything but the toplevel's narinfo: Nix itself sees a lost reference, not a lost toplevel.
      losing.discardUploads = `/${out.slice(11, 43)}.narinfo`;
      try {
        const lost = await matrix({ flake: fleet, mode: "all", hosts: "db", "push-to": losing.url });
        expect(lost.report.hosts).toMatchObject([{ host: "db", status: "failed", pushed: false }]);
        expect(lost.report.hosts[0]?.error).toBe(`push failed: ${losing.url} does not list ${out} after the push`);
      } finally {
        await losing.stop();
      }
    } finally {
      await served.stop();
    }
  });

  it("pushes again to a cache that lost what this runner's Nix remembers it holding", async () => {
    const dir = temp("http-wiped-");
    const served = await startHttpCache({ dir, writable: true });
    try {
      const out = outOf(fleet, "db");
      const first = await matrix({ flake: fleet, mode: "all", hosts: "db", "push-to": served.url });
      expect(first.report.hosts.map(({ host, status, error }) => ({ host, status, error }))).toEqual([{ host: "db", status: "pushed", error: undefined }]);
      // The cache is wiped (a garbage collection, a new disk): Nix's own narinfo cache still says it holds db.
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      served.requests.length = 0;
      const again = await matrix({ flake: fleet, mode: "all", hosts: "db", "push-to": served.url });
      expect(again.report.hosts.map(({ host, status, error }) => ({ host, status, error }))).toEqual([{ host: "db", status: "pushed", error: undefined }]);
      expect(served.requests).toContainEqual({ method: "PUT", path: `/${out.slice(11, 43)}.narinfo` });
      expect(narinfoIn(dir, out)).toBe(true);
    } finally {
      await served.stop();
    }
  });

  it("builds one host of the matrix in mode build, and the plan then finds it cached", async () => {
    const pushed = temp("pushed-cache-");
    const served = await startHttpCache({ dir: pushed });
    try {
      const built = await matrix({ flake: fleet, mode: "build", host: "mgmt", "push-to": `file://${pushed}`, caches: served.url });
      expect(built.report.hosts).toMatchObject([{ host: "mgmt", status: "pushed", out: outOf(fleet, "mgmt") }]);
      expect(built.outputs.matrix).toBeUndefined();
      const again = await matrix({ flake: fleet, caches: served.url });
      expect(JSON.parse(again.outputs.cached ?? "")).toEqual(["mgmt"]);
    } finally {
      await served.stop();
    }
  });

  it("evaluates every host once, and mode all builds the planned derivations without evaluating again", async () => {
    const bin = temp("nix-wrapper-");
    const calls = join(bin, "calls");
    const real = execFileSync("sh", ["-c", "command -v nix"], { encoding: "utf8" }).trim();
    // The real nix, with each command line written down.
    writeFileSync(join(bin, "nix"), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${calls}\nexec ${real} "$@"\n`);
    chmodSync(join(bin, "nix"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const { report } = await matrix({ flake: fleet, mode: "all" });
      expect(report.hosts.map((h) => h.status)).toEqual(["built", "built", "built"]);
      const lines = readFileSync(calls, "utf8").trim().split("\n");
      expect(lines.filter((l) => l.startsWith("eval "))).toHaveLength(1);
      const builds = lines.filter((l) => l.startsWith("build "));
      expect(builds).toHaveLength(3);
      // Nix 2.15+ names a derivation's outputs `<drv>^*`, which contains the bare `.drv` too.
      for (const [i, h] of report.hosts.entries()) expect(builds.some((b) => b.includes(` ${h.drv}`)), `${i}: ${builds.join("\n")}`).toBe(true);
      expect(builds.join("\n")).not.toContain("#nixosConfigurations");
    } finally {
      process.env.PATH = path;
    }
  });

  it("counts a host cached when one cache holds it and another cannot be asked, with a warning", async () => {
    const { outputs, report } = await matrix({ flake: fleet, caches: `${cache.url}\nhttp://127.0.0.1:1` });
    expect(JSON.parse(outputs.cached ?? "")).toEqual(["web"]);
    expect(report.warnings).toEqual([expect.stringMatching(/^cache http:\/\/127\.0\.0\.1:1 could not be asked about 3 hosts/)]);
  });

  it("says the matrix is empty when every host fails evaluation", async () => {
    const broken = makeFleet({ "lib/default.nix": (s: string) => s.replace("config = checkAssertions (import module { inherit name; });", 'config = throw "no host evaluates";') }).root;
    temps.push(broken);
    const { outputs, report } = await matrix({ flake: broken });
    expect(report.hosts.map((h) => h.status)).toEqual(["eval-failed", "eval-failed", "eval-failed"]);
    expect(outputs.empty).toBe("true");
    expect(JSON.parse(outputs.matrix ?? "")).toEqual({ include: [] });
  });

  it("pushes paths that came from a substituter, signs every narinfo in the cache it writes, and never signs the local store", async () => {
    const marker = `substituted-${Date.now()}`;
    const own = makeFleet({ "lib/default.nix": (s: string) => s.replace("mkdir -p $out/bin\n", `mkdir -p $out/bin\n      echo ${marker} > $out/marker\n`) }).root;
    temps.push(own);
    const keys = temp("keys-");
    const upstreamKey = nix("key", "generate-secret", "--key-name", "upstream-1").trim();
    writeFileSync(join(keys, "upstream"), upstreamKey);
    const upstreamPublic = execFileSync("nix", ["key", "convert-secret-to-public"], { env: nixEnv(), input: upstreamKey, encoding: "utf8" }).trim();
    const pushKey = nix("key", "generate-secret", "--key-name", "pushed-1").trim();

    const out = outOf(own, "web");
    nix("build", "--no-link", toplevel(own, "web"));
    const closure = nix("path-info", "--recursive", out).trim().split("\n");
    expect(closure).toHaveLength(2);
    const upstream = temp("upstream-");
    nix("copy", "--to", `file://${upstream}?secret-key=${join(keys, "upstream")}`, out);
    // Gone from the local store: the build below can only substitute them.
    nix("store", "delete", ...closure);

    const pushed = temp("pushed-");
    const { report, log } = await matrix({
      flake: own,
      mode: "all",
      hosts: "web",
      "skip-cached": "false",
      caches: `file://${upstream}`,
      "cache-public-keys": upstreamPublic,
      "push-to": `file://${pushed}`,
      "signing-key": pushKey,
    });
    expect(report.hosts, log()).toMatchObject([{ host: "web", status: "pushed", pushed: true }]);
    expect(log()).toContain(`copying path '${out}' from 'file://${upstream}'`);
    for (const path of closure) {
      expect(narinfoIn(pushed, path), path).toBe(true);
      expect(readFileSync(join(pushed, `${path.slice(11, 43)}.narinfo`), "utf8")).toMatch(/^Sig: pushed-1:/m);
      // Signed as the cache was written: the local store (which only a trusted user may sign) has no such signature.
      expect(nix("path-info", "--json", path)).not.toContain("pushed-1:");
    }
  });

  it("removes the key file after a failed push too, and never hands a netrc password or Cachix token to the log or outputs", async () => {
    const readOnly = await startHttpCache({ dir: temp("read-only-"), auth: { basic: { login: "", password: "netrc-pass-4711" } } });
    try {
      const runtime = new RecordingRuntime();
      const secretKey = nix("key", "generate-secret", "--key-name", "failed-push-1").trim();
      const { report, options, outputs } = await matrix(
        {
          flake: fleet,
          mode: "all",
          hosts: "db",
          caches: readOnly.url,
          "cache-netrc": 'machine 127.0.0.1 login "" password netrc-pass-4711',
          "cachix-auth-token": "cachix-token-0815",
          "push-to": readOnly.url,
          "signing-key": secretKey,
        },
        runtime,
      );
      expect(report.hosts).toMatchObject([{ host: "db", status: "failed", pushed: false, error: expect.stringContaining("push failed") }]);
      expect(readdirSync(options.tempRoot)).toEqual(["nix-fleet"]);
      const everything = [runtime.log, JSON.stringify(runtime.annotations), JSON.stringify(outputs), readFileSync(outputs.report ?? "", "utf8")].join("\n");
      for (const secret of ["netrc-pass-4711", "cachix-token-0815", secretKey.split(":")[1] as string]) expect(everything).not.toContain(secret);
      expect(runtime.secrets).toEqual(expect.arrayContaining(["netrc-pass-4711", "cachix-token-0815"]));
    } finally {
      await readOnly.stop();
    }
  });

  it("shows a lone host's build log as it comes, not when the host is done", async () => {
    const slow = makeFleet({
      "lib/default.nix": (s: string) =>
        s.replace("mkdir -p $out/etc\n", `echo "build step one ${Date.now()}" >&2; sleep 1.5\n          mkdir -p $out/etc\n`),
    }).root;
    temps.push(slow);
    const seen: { text: string; at: number }[] = [];
    const runtime = new RecordingRuntime();
    const record = (text: string) => seen.push({ text, at: Date.now() });
    runtime.untrusted = (text: string) => record(text);
    runtime.info = (text: string) => record(text);
    const { report } = await matrix({ flake: slow, mode: "build", host: "web" }, runtime);
    expect(report.hosts).toMatchObject([{ host: "web", status: "built" }]);
    const step = seen.find((l) => l.text.includes("build step one"));
    const done = seen.find((l) => l.text.startsWith("web: built in"));
    expect(step && done).toBeTruthy();
    expect((done?.at ?? 0) - (step?.at ?? 0)).toBeGreaterThan(1000);
  });
});

describeEachNix("build-matrix pushing over ssh-ng:// into a test host's own store", () => {
  const keys = keyDir();
  let host: TestHost | undefined;
  let ssh: SshClient;
  let fleet: string;
  let secretKey: string;
  const valid = async (path: string) => (await (host as TestHost).exec(["nix-store", "--check-validity", path])).exitCode === 0;

  beforeAll(async () => {
    process.env.NIX_CONFIG = testNixConfig;
    fleet = makeFleet().root;
    temps.push(fleet);
    secretKey = nix("key", "generate-secret", "--key-name", "harmonia-test-1").trim();
    const publicKey = execFileSync("nix", ["key", "convert-secret-to-public"], { env: nixEnv(), input: secretKey, encoding: "utf8" }).trim();
    const client = await makeKeyPair(keys.dir, "client");
    // nix-ssh is an untrusted user, as Harmonia setups have it: only paths signed by a key the
    // host trusts get in. root is trusted.
    host = await startTestHost({
      name: "cache",
      users: ["nix-ssh"],
      authorizedKeys: { root: [client.publicKey], "nix-ssh": [client.publicKey] },
      nixConfig: `trusted-public-keys = ${publicKey}`,
    });
    ssh = sshClient({ knownHosts: [host.knownHostsLine], identityFile: client.privateKeyPath });
    process.env.NIX_SSHOPTS = ssh.nixSshOpts;
  });
  afterAll(async () => {
    delete process.env.NIX_SSHOPTS;
    ssh?.remove();
    keys.remove();
    await stopAll([host]);
  });

  it("signs and copies the whole closure to an untrusted user, and the host's store holds it", async () => {
    const out = outOf(fleet, "web");
    nix("build", "--no-link", toplevel(fleet, "web"));
    const closure = nix("path-info", "--recursive", out).trim().split("\n");
    expect(await valid(out)).toBe(false);
    const { report } = await matrix({ flake: fleet, mode: "all", hosts: "web", "push-to": `ssh-ng://nix-ssh@${host?.address}`, "signing-key": secretKey });
    expect(report.hosts).toMatchObject([{ host: "web", status: "pushed", pushed: true }]);
    for (const path of closure) {
      expect(await valid(path)).toBe(true);
      expect(existsSync(join(host?.storeRoot ?? "", "store", path.slice(11)))).toBe(true);
    }
    const info = await (host as TestHost).exec(["nix", "path-info", "--json", out], { env: { NIX_CONFIG: "experimental-features = nix-command" } });
    expect(info.stdout).toContain("harmonia-test-1:");
  });

  it("fails the host, naming it, when an untrusted user is sent unsigned paths", async () => {
    const out = outOf(fleet, "db");
    const { report } = await matrix({ flake: fleet, mode: "all", hosts: "db", "push-to": `ssh-ng://nix-ssh@${host?.address}` });
    expect(report.hosts).toMatchObject([{ host: "db", status: "failed", pushed: false, error: expect.stringContaining("push failed") }]);
    expect(report.hosts[0]?.logTail).toMatch(/lacks a valid signature/);
    expect(failureMessage(report)).toContain("failed to build or push: db");
    expect(await valid(out)).toBe(false);
  });

  it("copies unsigned paths to a trusted user", async () => {
    const out = outOf(fleet, "mgmt");
    const { report } = await matrix({ flake: fleet, mode: "all", hosts: "mgmt", "push-to": `ssh-ng://root@${host?.address}` });
    expect(report.hosts).toMatchObject([{ host: "mgmt", status: "pushed" }]);
    expect(await valid(out)).toBe(true);
  });
}, { tools: ["ip", "unshare", "nsenter", "sshd", "ssh", "ssh-keygen"] });
