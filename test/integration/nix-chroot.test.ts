import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeWithNix, nix226 } from "../support/nix-versions.js";
import { repoRoot } from "../support/runner-harness.js";
import { tempDirs } from "../support/temp-dirs.js";

const script = join(repoRoot, "scripts", "nix-chroot");
const { temp } = tempDirs();

function chroot(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(script, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithNix(nix226, "scripts/nix-chroot", () => {
  const root = () => chroot(["path"]).stdout.trim();
  const mountedUnderRoot = () => {
    const under = root();
    return readFileSync("/proc/self/mounts", "utf8").split("\n").filter((l) => l.split(" ")[1]?.startsWith(under));
  };

  it("runs a command in the caller's directory with the caller's /tmp and environment, PATH its own, and passes its exit code on", () => {
    const dir = temp("chroot-cwd-");
    writeFileSync(join(dir, "hello"), "from the host\n");
    const r = chroot(["run", "sh", "-c", 'cat hello; echo "$MARK"; echo "$PATH"; exit 7'], { cwd: dir, env: { ...process.env, MARK: "kept" } });
    expect(r).toEqual({ code: 7, stdout: "from the host\nkept\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", stderr: "" });
  });

  it("is Debian trixie with Nix 2.26 and its own root single-user nix.conf", () => {
    expect(chroot(["run", "cat", "/etc/debian_version"]).stdout).toMatch(/^13\./);
    expect(chroot(["run", "/usr/bin/nix", "--version"]).stdout).toMatch(/^nix \(Nix\) 2\.26\.\d+\n$/);
    expect(chroot(["run", "cat", "/etc/nix/nix.conf"]).stdout).toContain("build-users-group =\nsandbox = false\nsubstituters =\n");
  });

  it("has a store of its own: what Nix 2.26 builds is not in the host's /nix/store", () => {
    const out = chroot(["run", "/usr/bin/nix", "--extra-experimental-features", "nix-command", "store", "add-file", "/etc/debian_version"]).stdout.trim();
    expect(out).toMatch(/^\/nix\/store\/[a-z0-9]{32}-debian_version$/);
    expect(readFileSync(join(root(), out), "utf8")).toMatch(/^13\./);
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });

  it("leaves nothing mounted on the host, when the command succeeds, fails, or cannot start", () => {
    expect(chroot(["run", "true"]).code).toBe(0);
    expect(chroot(["run", "false"]).code).toBe(1);
    expect(chroot(["run", "/no/such/program"]).code).toBe(127);
    const unseen = mkdtempSync(join("/var/tmp", "chroot-unseen-"));
    try {
      const r = chroot(["run", "true"], { cwd: unseen });
      expect(r.code).toBe(127);
      expect(r.stderr).toContain(`the working directory ${unseen} is not visible in the chroot (bind it with NIX_CHROOT_BINDS)`);
      // Named in NIX_CHROOT_BINDS, it is visible.
      expect(chroot(["run", "pwd"], { cwd: unseen, env: { ...process.env, NIX_CHROOT_BINDS: unseen } }).stdout).toBe(`${unseen}\n`);
    } finally {
      rmSync(unseen, { recursive: true, force: true });
    }
    expect(mountedUnderRoot()).toEqual([]);
  });

  it("a second ensure builds nothing: the same root, in well under a second", () => {
    const started = Date.now();
    const r = chroot(["ensure"]);
    expect(r).toMatchObject({ code: 0, stdout: `${root()}\n`, stderr: "" });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("says what is wrong: not root, not built", () => {
    const asNobody = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", script, "run", "true"], { encoding: "utf8" });
    expect(asNobody.status).toBe(1);
    expect(asNobody.stderr).toBe("nix-chroot: run as root: entering the chroot takes a mount namespace, mounts and chroot(2).\n");
    const empty = temp("chroot-cache-");
    const notBuilt = chroot(["run", "true"], { env: { ...process.env, NIX_CHROOT_CACHE: empty } });
    expect(notBuilt.code).toBe(1);
    expect(notBuilt.stderr).toMatch(/^nix-chroot: the Nix 2\.26 chroot is not built \(.*\): run scripts\/nix-chroot ensure \(as root\) first\.\n$/);
    expect(chroot(["bogus"]).stderr).toBe("nix-chroot: usage: scripts/nix-chroot ensure | path | run CMD [ARG...]\n");
  });
});
