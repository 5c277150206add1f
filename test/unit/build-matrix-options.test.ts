import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBuildMatrixOptions } from "../../src/actions/build-matrix/options.js";
import {
  cacheCredentials,
  confirmUrl,
  failureMessage,
  formatBytes,
  ignoredSettingNotice,
  nixConfigFor,
  pushStoreUri,
  type BuildMatrixReport,
} from "../../src/actions/build-matrix/run.js";
import { configuredNetrcFile } from "../../src/cache/netrc.js";
import { toplevelsExpression } from "../../src/fleet/evaluate.js";
import { Inputs } from "../../src/runner/inputs.js";
import { repoRoot } from "../support/runner-harness.js";

const flake = resolve(repoRoot, "examples", "fleet");
const secretKey = `ci-1:${"A".repeat(86)}==`;
const publicKey = `ci-1:${"B".repeat(43)}=`;
const temp = mkdtempSync(join(tmpdir(), "bm-options-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function read(values: Record<string, string>, masked: string[] = []) {
  const inputs = new Inputs((name) => values[name], (s) => masked.push(s));
  return readBuildMatrixOptions(inputs, { RUNNER_TEMP: temp }, repoRoot);
}

describe("build-matrix inputs", () => {
  it("defaults to plan over every host of the flake in the workspace", () => {
    const o = read({ flake: "examples/fleet" });
    expect(o).toMatchObject({ mode: "plan", ref: flake, hosts: [], caches: [], skipCached: true, maxParallel: 2, pushTo: undefined });
    expect(o.reportPath).toBeUndefined();
    expect(o.reportDir).toBe(join(temp, "nix-fleet"));
  });

  it("reads lists, push targets and secrets, masking each secret", () => {
    const masked: string[] = [];
    const o = read(
      {
        flake: "examples/fleet",
        mode: "all",
        hosts: "web,\ndb",
        caches: "http://127.0.0.1:1/\nfile:///tmp/c",
        "cache-public-keys": publicKey,
        "cache-netrc": "machine 127.0.0.1 login u password hunter22",
        "push-to": "cachix:my-fleet",
        "cachix-auth-token": "tok-123456",
        "signing-key": secretKey,
        "max-parallel": "3",
      },
      masked,
    );
    expect(o).toMatchObject({ mode: "all", hosts: ["web", "db"], pushTo: { kind: "cachix", name: "my-fleet" }, maxParallel: 3 });
    expect(o.cacheNetrc).toEqual([{ machine: "127.0.0.1", login: "u", password: "hunter22" }]);
    expect(masked).toEqual(expect.arrayContaining(["tok-123456", secretKey, "machine 127.0.0.1 login u password hunter22"]));
  });

  it.each([
    ["caches", "https://ci:s3cretpw@cache.example"],
    ["caches", "http://ghp_tokenAsUser1@127.0.0.1:9"],
    ["push-to", "https://ci:s3cretpw@cache.example"],
    ["push-to", "ssh-ng://u:p@cache.example"],
  ])("refuses credentials in %s, never showing them", (name, url) => {
    const masked: string[] = [];
    let message = "";
    try {
      read({ flake: "examples/fleet", [name]: url }, masked);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`Invalid input '${name}': '${url.replace(/\/\/[^@]*@/, "//***@")}' has credentials in it.`);
    expect(message).not.toContain(url.slice(url.indexOf("//") + 2, url.indexOf("@")));
    // Masked too, in every form a tool may print it (the Basic header included).
    expect(masked.length > 0 || url.startsWith("ssh")).toBe(true);
  });

  it("takes an ssh user in push-to (a name, not a secret)", () => {
    expect(read({ flake: "examples/fleet", "push-to": "ssh-ng://nix-ssh@cache.example" }).pushTo).toEqual({ kind: "store", uri: "ssh-ng://nix-ssh@cache.example" });
  });

  it.each([
    [{ mode: "deploy" }, "input 'mode'", "Expected one of: plan, build, all"],
    [{ mode: "build" }, "input 'host'", "required with mode 'build'"],
    [{ hosts: "web, ../etc" }, "input 'hosts'", "not a host name"],
    [{ caches: "cache.example" }, "input 'caches'", "Expected http(s)://, file:// or s3://"],
    [{ "cache-public-keys": "nokey" }, "input 'cache-public-keys'", "Expected <name>:<base64"],
    [{ "cache-netrc": "# only a comment" }, "input 'cache-netrc'", "no machine entry"],
    [{ "signing-key": "ci-1:short" }, "input 'signing-key'", "not a Nix secret key"],
    [{ "push-to": "ftp://x" }, "input 'push-to'", "Expected a store URI"],
    [{ "push-to": "cachix:My_Cache", "cachix-auth-token": "t" }, "input 'push-to'", "not a Cachix cache name"],
    [{ "push-to": "cachix:fleet" }, "input 'cachix-auth-token'", "required to push to cachix:fleet"],
    [{ "max-parallel": "0" }, "input 'max-parallel'", "from 1 to 64"],
    [{ flake: "examples/nowhere" }, "input 'flake'", "not a directory"],
  ])("rejects %j", (values, label, expected) => {
    expect(() => read({ flake: "examples/fleet", ...values })).toThrow(label);
    expect(() => read({ flake: "examples/fleet", ...values })).toThrow(expected);
  });

  it("composes the run's Nix config and cache credentials", () => {
    const o = read({
      flake: "examples/fleet",
      caches: "https://fleet.cachix.org, http://127.0.0.1:9",
      "cache-public-keys": publicKey,
      "cachix-auth-token": "tok-1",
      "push-to": "cachix:other",
    });
    // The push target is no substituter without its own key: Nix would refuse what it serves.
    expect(nixConfigFor(o, "/run/x/netrc").split("\n")).toEqual([
      "extra-substituters = https://fleet.cachix.org http://127.0.0.1:9",
      `extra-trusted-public-keys = ${publicKey}`,
      "netrc-file = /run/x/netrc",
    ]);
    // The token reads the push target too, so that a push to a private cache can be confirmed.
    expect(cacheCredentials(o)).toEqual([
      { machine: "fleet.cachix.org", login: "", password: "tok-1" },
      { machine: "other.cachix.org", login: "", password: "tok-1" },
    ]);
    expect(nixConfigFor(read({ flake: "examples/fleet" }), undefined)).toBe("");
    const otherKey = `other.cachix.org-1:${"C".repeat(43)}=`;
    const keyed = read({ flake: "examples/fleet", "cache-public-keys": otherKey, "cachix-auth-token": "tok-1", "push-to": "cachix:other" });
    expect(nixConfigFor(keyed, undefined).split("\n")[0]).toBe("extra-substituters = https://other.cachix.org");

    // The user's nix-config first: the run's own netrc-file, which merges the user's netrc, comes after it.
    const withConfig = read({ flake: "examples/fleet", "nix-config": "netrc-file = /home/ci/.netrc\nmax-jobs = 2", caches: "http://127.0.0.1:9" });
    expect(nixConfigFor(withConfig, "/run/x/netrc").split("\n")).toEqual([
      "netrc-file = /home/ci/.netrc",
      "max-jobs = 2",
      "extra-substituters = http://127.0.0.1:9",
      "netrc-file = /run/x/netrc",
    ]);
  });
});

describe("build-matrix helpers", () => {
  it.each([
    [{ kind: "store", uri: "ssh-ng://nix-ssh@mgmt" }, undefined],
    [{ kind: "store", uri: "file:///srv/cache" }, "file:///srv/cache"],
    [{ kind: "store", uri: "s3://bucket?region=x" }, undefined],
    [{ kind: "cachix", name: "fleet" }, "https://fleet.cachix.org"],
  ] as const)("confirms a push to %j at %s", (target, url) => expect(confirmUrl(target)).toBe(url));

  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1672, "1.6 KiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
  ])("formats %d bytes as %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it("limits the one evaluation to the selected hosts", () => {
    expect(toplevelsExpression([])).toContain("let picked = cs;");
    expect(toplevelsExpression(["web", "db-1"])).toContain('[ "web" "db-1" ]');
    expect(() => toplevelsExpression(['a"${builtins.abort "x"}'])).toThrow(/not a host name/);
    expect(toplevelsExpression([])).not.toMatch(/outPath =/);
  });

  it("names every bad host in the failure message", () => {
    const report = {
      hosts: [
        { host: "db", status: "eval-failed", pushed: false },
        { host: "mgmt", status: "pushed", pushed: true },
        { host: "web", status: "failed", pushed: false },
      ],
    } as BuildMatrixReport;
    expect(failureMessage(report)).toBe("2 of 3 hosts failed (failed to evaluate: db; failed to build or push: web)");
  });
});

describe("signing, netrc and cleanup", () => {
  it.each([
    ["file:///srv/cache", "/run/k", "file:///srv/cache?secret-key=/run/k"],
    ["https://cache.example/up?compression=zstd", "/run/k", "https://cache.example/up?compression=zstd&secret-key=/run/k"],
    ["s3://bucket?region=eu", "/run/k", "s3://bucket?region=eu&secret-key=/run/k"],
    // ssh stores take signatures from the local store: signed there, never named in the URI.
    ["ssh-ng://nix-ssh@cache", "/run/k", "ssh-ng://nix-ssh@cache"],
    ["ssh://root@cache", "/run/k", "ssh://root@cache"],
    ["file:///srv/cache", undefined, "file:///srv/cache"],
  ])("pushes to %s with key %s as %s", (uri, key, expected) => expect(pushStoreUri(uri, key)).toBe(expected));

  it.each([
    [undefined, undefined, "/etc/nix/netrc"],
    [undefined, "netrc-file = /etc/nix/private-netrc\n", "/etc/nix/private-netrc"],
    ["netrc-file = /home/ci/.netrc", "netrc-file = /etc/nix/private-netrc", "/home/ci/.netrc"],
    ["substituters =\nnetrc-file = /a\nnetrc-file = /b", undefined, "/b"],
  ])("finds the netrc Nix reads (NIX_CONFIG %j, nix.conf %j): %s", (config, conf, file) =>
    expect(configuredNetrcFile(config, conf, "/etc/nix/")).toBe(file),
  );

  it.each([
    ["warning: ignoring untrusted substituter 'http://cache', you are not a trusted user.", true],
    ["warning: ignoring the client-specified setting 'netrc-file', because it is a restricted setting and you are not a trusted user", true],
    ["copying path '/nix/store/x' from 'http://cache'...", false],
  ])("notices a daemon ignoring settings: %s", (line, notice) => expect(ignoredSettingNotice(line)).toBe(notice));
});
