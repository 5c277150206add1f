import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLEANUP_STATE, cleanupFromState, PRIVATE_DIR_PREFIX, PrivateDir } from "../../src/runner/private-dir.js";
import { errorKind, SignalError, UserError, userErrorFromHints } from "../../src/runner/user-error.js";
import { InputError } from "../../src/runner/inputs.js";
import { RecordingRuntime } from "../support/recording-runtime.js";

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "private-dir-test-"));
  roots.push(root);
  return root;
}
afterEach(async () => {
  await PrivateDir.closeAll();
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe("PrivateDir", () => {
  it("is 0700, recorded in state before anything is written, and its files are 0600", async () => {
    const runtime = new RecordingRuntime();
    const dir = await PrivateDir.create(runtime, tempRoot());
    expect(statSync(dir.path).mode & 0o777).toBe(0o700);
    expect(JSON.parse(runtime.state[CLEANUP_STATE] ?? "[]")).toEqual([{ dir: dir.path, pids: [] }]);
    const file = await dir.writeSecret("netrc", "machine x password y\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("password y");
    await expect(dir.writeSecret("../escape", "x")).rejects.toThrow(/plain file name/);
    await expect(dir.writeSecret("netrc", "again")).rejects.toThrow(/EEXIST/);
    expect(runtime.state[CLEANUP_STATE]).not.toContain("password");
  });

  it("close runs cleanups last-first, stops tracked process groups, removes the directory, clears state", async () => {
    const runtime = new RecordingRuntime();
    const dir = await PrivateDir.create(runtime, tempRoot());
    const order: string[] = [];
    dir.onClose(async () => void order.push("first"));
    dir.onClose(async () => {
      order.push("second");
      throw new Error("revoke failed");
    });
    const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    const exited = new Promise((r) => child.on("exit", (_code, signal) => r(signal)));
    dir.trackProcess(child.pid!);
    expect(JSON.parse(runtime.state[CLEANUP_STATE]!)[0].pids).toEqual([child.pid]);
    await dir.close();
    expect(order).toEqual(["second", "first"]);
    expect(runtime.log).toContain("warning: cleanup: revoke failed");
    expect(await exited).toBe("SIGTERM");
    expect(existsSync(dir.path)).toBe(false);
    expect(runtime.state[CLEANUP_STATE]).toBe("");
    await dir.close(); // idempotent
  });

  it("closeAll, while the step's own close is under way, waits for it: the state is cleared before it returns", async () => {
    const runtime = new RecordingRuntime();
    const dir = await PrivateDir.create(runtime, tempRoot());
    let release!: () => void;
    dir.onClose(() => new Promise<void>((r) => (release = r)));
    const own = dir.close(); // the step's finally, held up in a cleanup
    let closedAll = false;
    const all = PrivateDir.closeAll().then(() => (closedAll = true)); // the signal handler
    await new Promise((r) => setTimeout(r, 20));
    expect(closedAll).toBe(false);
    release();
    await all;
    expect(existsSync(dir.path)).toBe(false);
    expect(runtime.state[CLEANUP_STATE]).toBe("");
    await own;
  });

  it("post removes only a directory main could have made", async () => {
    const root = tempRoot();
    const runtime = new RecordingRuntime();
    const dir = await PrivateDir.create(runtime, root);
    await dir.writeSecret("key", "secret");
    await cleanupFromState(runtime, root);
    expect(existsSync(dir.path)).toBe(false);

    const other = join(root, "not-ours");
    mkdirSync(other);
    runtime.state[CLEANUP_STATE] = JSON.stringify({ dir: other, pids: [] });
    await cleanupFromState(runtime, root);
    expect(existsSync(other)).toBe(true);
    expect(runtime.log).toContain("not removing");

    // Below the temp root (secret-scan's is in RUNNER_TEMP/nix-fleet) is fine; outside it, never.
    const nested = join(root, "nix-fleet", `${PRIVATE_DIR_PREFIX}x`);
    const outside = join(tempRoot(), `${PRIVATE_DIR_PREFIX}y`);
    const traversal = join(root, "..", `${PRIVATE_DIR_PREFIX}z`);
    for (const d of [nested, outside, traversal]) mkdirSync(d, { recursive: true });
    roots.push(traversal);
    runtime.state[CLEANUP_STATE] = JSON.stringify([{ dir: nested, pids: [] }, { dir: outside, pids: [] }, { dir: traversal, pids: [] }]);
    await cleanupFromState(runtime, root);
    expect([nested, outside, traversal].map((d) => existsSync(d))).toEqual([false, true, true]);

    runtime.state[CLEANUP_STATE] = "{not json";
    await cleanupFromState(runtime, root);
    expect(runtime.log).toContain("cleanup state is not readable");
  });
});

describe("PrivateDir, several in one step", () => {
  it("records every open directory in the one state value; closeAll closes them all", async () => {
    const runtime = new RecordingRuntime();
    const root = tempRoot();
    const first = await PrivateDir.create(runtime, root);
    const second = await PrivateDir.create(runtime, root);
    const records = () => JSON.parse(runtime.state[CLEANUP_STATE] || "[]").map((r: { dir: string }) => r.dir);
    expect(records()).toEqual([first.path, second.path]);
    await first.close();
    expect(records()).toEqual([second.path]);
    const third = await PrivateDir.create(runtime, root);
    await third.writeSecret("signing-key", "k");
    await PrivateDir.closeAll();
    expect([second.path, third.path].filter((p) => existsSync(p))).toEqual([]);
    expect(runtime.state[CLEANUP_STATE]).toBe("");
  });

  it("post removes every recorded directory", async () => {
    const runtime = new RecordingRuntime();
    const root = tempRoot();
    const a = await PrivateDir.create(runtime, root);
    const b = await PrivateDir.create(runtime, root);
    const saved = runtime.state[CLEANUP_STATE] as string;
    const post = new RecordingRuntime();
    post.state[CLEANUP_STATE] = saved;
    await cleanupFromState(post, root);
    expect(existsSync(a.path) || existsSync(b.path)).toBe(false);
    await PrivateDir.closeAll();
  });
});

describe("UserError", () => {
  it("carries the fix and classifies", () => {
    const error = new UserError("The lock file has a relative path input.", "Use Nix 2.26 or newer.", "nix");
    expect(error.message).toBe("The lock file has a relative path input. Fix: Use Nix 2.26 or newer.");
    expect(errorKind(error)).toBe("setup");
    expect(errorKind(new InputError("flake", "bad"))).toBe("input");
    expect(errorKind(new Error("x"))).toBe("failure");
    expect(errorKind(new SignalError("SIGTERM"))).toBe("signal");
    expect(errorKind(new Error("wrapped", { cause: error }))).toBe("setup");
  });

  it("finds the first matching hint", () => {
    const hints = [
      { pattern: /lacks a signature by a trusted key/, problem: "unsigned", fix: "sign" },
      { pattern: /mutable lock '(.*)'/, problem: (m: RegExpMatchArray) => `mutable ${m[1]}`, fix: "newer nix" },
    ];
    expect(userErrorFromHints("nix", hints, "error: lockfile contains mutable lock '{x}'")?.message).toBe("mutable {x} Fix: newer nix");
    expect(userErrorFromHints("nix", hints, "all fine")).toBeUndefined();
  });
});
