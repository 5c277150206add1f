import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupErrors } from "../../src/actions/flake-check/analyze.js";
import { locate, toWorkspacePath } from "../../src/nix/source-map.js";
import { evaluationArgs } from "../../src/nix/extra-args.js";
import { localFlakeDir } from "../../src/nix/flake-ref.js";
import { failureMessage, renderReport } from "../../src/actions/flake-check/run.js";
import { renderText } from "../../src/runner/report.js";
import { omittedSystems, type NixError } from "../../src/nix/errors.js";

const store = "/nix/store/ifvjp38ar4216jk7i9hvwv3m7fi2zfyr-source";
const other = "/nix/store/9fpv0kjq9a80isa1wkkvrdqsh9dpcn05-source";

describe("toWorkspacePath", () => {
  it.each([
    { file: `${store}/hosts/web.nix`, map: { storePath: store, root: "/w", workspace: "/w" }, expected: "hosts/web.nix" },
    { file: `${store}/infra/hosts/web.nix`, map: { storePath: store, root: "/w", workspace: "/w" }, expected: "infra/hosts/web.nix" },
    { file: `${store}/hosts/web.nix`, map: { storePath: store, root: "/w/infra", workspace: "/w" }, expected: "infra/hosts/web.nix" },
    { file: `${store}/hosts/web.nix`, map: { storePath: store, root: "/elsewhere", workspace: "/w" }, expected: "/elsewhere/hosts/web.nix" },
    { file: `${other}/lib/modules.nix`, map: { storePath: store, root: "/w", workspace: "/w" }, expected: undefined },
    { file: `${store}/hosts/web.nix`, map: { workspace: "/w" }, expected: undefined },
  ])("$file → $expected", ({ file, map, expected }) => {
    expect(toWorkspacePath(file, map)).toBe(expected);
  });

  it("without the store path, accepts a source path only when the file exists in the repository", () => {
    const root = mkdtempSync(join(tmpdir(), "ws-"));
    mkdirSync(join(root, "hosts"));
    writeFileSync(join(root, "hosts", "web.nix"), "{}");
    expect(toWorkspacePath(`${other}/hosts/web.nix`, { root, workspace: root })).toBe("hosts/web.nix");
    expect(toWorkspacePath(`${other}/lib/modules.nix`, { root, workspace: root })).toBeUndefined();
  });
});

describe("locate", () => {
  const map = { storePath: store, root: "/w", workspace: "/w" };
  it("prefers the error's own position, then the innermost frame in the repository", () => {
    const own: NixError = { message: "m", ignored: false, position: { file: `${store}/a.nix`, line: 1, column: 2 }, trace: [{ text: "t", position: { file: `${store}/b.nix`, line: 3, column: 4 } }] };
    expect(locate(own, map)).toEqual({ message: "m", file: "a.nix", line: 1, column: 2 });
    const thrown: NixError = { message: "m", ignored: false, trace: [{ text: "in nixpkgs", position: { file: `${other}/lib/modules.nix`, line: 9, column: 9 } }, { text: "t", position: { file: `${store}/b.nix`, line: 3, column: 4 } }] };
    expect(locate(thrown, map)).toEqual({ message: "m", file: "b.nix", line: 3, column: 4 });
    expect(locate({ message: "m", ignored: false, trace: [] }, map)).toEqual({ message: "m" });
  });
});

describe("an untracked file, in the words of each Nix", () => {
  const root = mkdtempSync(join(tmpdir(), "untracked-"));
  mkdirSync(join(root, "hosts"));
  writeFileSync(join(root, "hosts", "extra.nix"), "{ }");
  const map = { storePath: store, root, workspace: root };
  const untracked = (message: string): NixError => ({ message, trace: [], ignored: false });
  it.each([
    { nix: "2.8", message: `getting status of '${store}/hosts/extra.nix': No such file or directory` },
    { nix: "2.26", message: `path '${store}/hosts/extra.nix' does not exist` },
  ])("explains a file git does not track, in the words of Nix $nix", ({ message }) => {
    expect(locate(untracked(message), map).message).toBe(
      `${message}\nhosts/extra.nix exists in the work tree but git does not track it, and Nix only sees tracked files of a git flake: git add it.`,
    );
  });

  it("leaves a file that is missing from the work tree too alone", () => {
    const message = `path '${store}/hosts/gone.nix' does not exist`;
    expect(locate(untracked(message), map).message).toBe(message);
  });
});

describe("groupErrors", () => {
  const e = (x: Partial<NixError>): NixError => ({ message: "m", ignored: true, trace: [], ...x });
  it("groups by host, by output, by the check a failed build belongs to, and keeps the rest apart", () => {
    const drv = "/nix/store/q6msm20pyp0hcx9h3zfnhx6s5if44nsw-check.drv";
    const found = groupErrors(
      [e({ host: "web" }), e({ host: "web", message: "again" }), e({ output: "checks.x86_64-linux.fmt" }), e({ derivation: drv }), e({ output: "nixosConfigurations" }), e({})],
      new Map([[drv, "checks.x86_64-linux.unit"]]),
    );
    expect([...found.byHost.keys()]).toEqual(["web"]);
    expect(found.byHost.get("web")).toHaveLength(2);
    expect([...found.byOutput.keys()]).toEqual(["checks.x86_64-linux.fmt", "checks.x86_64-linux.unit"]);
    expect(found.unattributed).toHaveLength(2);
  });
});

describe("localFlakeDir", () => {
  it.each([
    [".", "/w"],
    ["infra", "/w/infra"],
    ["./infra", "/w/infra"],
    ["/abs/fleet", "/abs/fleet"],
    ["path:./infra", "/w/infra"],
    ["git+file:///srv/fleet?ref=main", "/srv/fleet"],
    ["git+file:///srv/repo?dir=infra", "/srv/repo/infra"],
    ["path:.?dir=fleet", "/w/fleet"],
    ["github:acme/fleet", undefined],
    ["git+https://git.example.org/fleet", undefined],
  ])("%s → %s", (ref, expected) => {
    expect(localFlakeDir(ref, "/w")).toBe(expected);
  });
});

describe("evaluationArgs", () => {
  it.each([
    [[], []],
    [["--option", "max-jobs", "4", "-L"], ["--option", "max-jobs", "4"]],
    [["--override-input", "nixpkgs", "github:x/y", "--no-build", "--impure"], ["--override-input", "nixpkgs", "github:x/y", "--impure"]],
    [["--print-build-logs", "--arg", "n", "1"], ["--arg", "n", "1"]],
  ])("%j → %j", (extra, expected) => {
    expect(evaluationArgs(extra)).toEqual(expected);
  });
});

describe("failureMessage", () => {
  it("lists broken hosts, the flake error and failed outputs", () => {
    expect(
      failureMessage({
        flake: ".", result: "failure", nixVersion: "2.8", seconds: 1, hostsListed: true, brokenHosts: ["db", "web"], omittedSystems: [],
        hosts: [{ host: "db", status: "broken", errors: [] }, { host: "web", status: "broken", errors: [] }, { host: "mgmt", status: "ok", errors: [] }],
        outputs: [{ output: "checks.x86_64-linux.fmt", errors: [{ message: "x" }] }],
      }),
    ).toBe("2 of 3 hosts are broken: db, web; failed: checks.x86_64-linux.fmt");
  });
});

describe("renderReport", () => {
  it("says when there are more errors than GitHub shows annotations", () => {
    const hosts = Array.from({ length: 11 }, (_, i) => ({ host: `h${i}`, status: "broken" as const, errors: [{ message: "boom" }] }));
    const base = { flake: ".", result: "failure" as const, nixVersion: "2.8", seconds: 1, hostsListed: true, outputs: [], omittedSystems: [] };
    expect(renderText(renderReport({ ...base, hosts, brokenHosts: hosts.map((h) => h.host) }))).toContain("GitHub shows only the first 10 error annotations of a step: all 11 errors are listed here.");
    expect(renderText(renderReport({ ...base, hosts: hosts.slice(1), brokenHosts: [] }))).not.toContain("GitHub shows only");
  });

  it("counts good and broken hosts, each error at its file:line", () => {
    const text = renderText(
      renderReport({
        flake: ".", result: "failure", nixVersion: "nix (Nix) 2.8.0", seconds: 1.5, hostsListed: true, brokenHosts: ["db"], outputs: [], omittedSystems: [],
        hosts: [{ host: "db", status: "broken", errors: [{ message: "boom", file: "hosts/db.nix", line: 3 }] }, { host: "web", status: "ok", errors: [] }],
      }),
    );
    expect(text).toContain("2 hosts checked in 1.5 s with nix (Nix) 2.8.0: 1 good, 1 broken.");
    expect(text).toMatch(/^db\s+❌ broken\s+boom\s+hosts\/db\.nix:3$/m);
  });

  it("when the hosts could not be listed, says so and why, never '0 hosts checked'", () => {
    const text = renderText(
      renderReport({
        flake: ".", result: "failure", nixVersion: "nix (Nix) 2.8.0", seconds: 0.4, hostsListed: false, brokenHosts: [], hosts: [], omittedSystems: [],
        outputs: [{ output: "hosts", errors: [{ message: "flake has no attribute 'nixosConfigurations'" }] }],
      }),
    );
    expect(text).toContain("The hosts could not be listed, so no host was checked (0.4 s, nix (Nix) 2.8.0): flake has no attribute 'nixosConfigurations'");
    expect(text).not.toMatch(/0 hosts checked/);
  });

  it("says which systems' outputs were not checked, and how to check them", () => {
    const report = {
      flake: ".", result: "success" as const, nixVersion: "nix (Nix) 2.26.3", seconds: 1, hostsListed: true, brokenHosts: [], outputs: [],
      hosts: [{ host: "db", status: "ok" as const, errors: [] }], omittedSystems: ["aarch64-linux", "x86_64-darwin"],
    };
    const note = "Not checked: the outputs for aarch64-linux, x86_64-darwin, which this runner cannot build (nix (Nix) 2.26.3 skips them). Set all-systems: true to evaluate them too.";
    expect(renderText(renderReport(report))).toContain(note);
    expect(renderText(renderReport({ ...report, omittedSystems: [] }))).not.toContain("Not checked");
  });
});

describe("omittedSystems", () => {
  it.each([
    ["warning: The check omitted these incompatible systems: aarch64-linux\nUse '--all-systems' to check all.\n", ["aarch64-linux"]],
    ["\x1b[35;1mwarning:\x1b[0m The check omitted these incompatible systems: aarch64-linux, x86_64-darwin\nUse '--all-systems' to check all.", ["aarch64-linux", "x86_64-darwin"]],
    ["checking flake output 'checks'...\n", []],
  ])("%j → %j", (stderr, expected) => {
    expect(omittedSystems(stderr)).toEqual(expected);
  });
});
