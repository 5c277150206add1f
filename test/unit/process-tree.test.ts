import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { groupAndDescendants, killGroupAndDescendants } from "../../src/process/process-tree.js";
import { run, runningProcessGroups, stopRunningPrograms } from "../../src/process/run.js";

/** Live (not zombie) processes with `marker` as one whole argument: support/processes.ts matches substrings, which the shells that start the sleep hold too. */
function withMarker(marker: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "latin1");
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
        return readFileSync(`/proc/${p}/cmdline`, "latin1").split("\0").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function gone(marker: string, ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = withMarker(marker);
    if (!left.length || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A program shaped like nix with a running builder: it ignores SIGTERM (a nix waiting for a builder
 * it failed to stop), and its child has left the group for a session of its own (nix's builders
 * call setsid), with a child of its own (the builder's sleep).
 */
const stubborn = (marker: string) => ["sh", "-c", `trap '' TERM; setsid sh -c 'sleep 300 ${marker}; :' </dev/null >/dev/null 2>&1 & wait`];

async function appears(marker: string): Promise<number[]> {
  for (let i = 0; i < 60; i++) {
    const found = withMarker(marker);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

describe("killing a process group that did not stop", () => {
  it("finds the group's descendants in other sessions", async () => {
    const marker = `${(Math.random() * 1000 + 1000).toFixed(6)}`;
    const pending = run(stubborn(marker)).catch(() => undefined);
    const found = await appears(marker);
    const [group] = runningProcessGroups();
    expect(found).toHaveLength(1);
    // In a session of its own, out of the group: only its ancestry links it to the program.
    expect(readFileSync(`/proc/${found[0]}/stat`, "latin1").split(") ")[1]?.split(" ")[2]).not.toBe(String(group));
    expect(groupAndDescendants(group as number)).toEqual(expect.arrayContaining(found));
    killGroupAndDescendants(group as number);
    await pending;
    expect(await gone(marker)).toEqual([]);
  });

  it("at a timeout, kills what the program started in a session of its own too", async () => {
    const marker = `${(Math.random() * 1000 + 2000).toFixed(6)}`;
    const pending = run(stubborn(marker), { timeoutMs: 1500 }).catch((x: unknown) => x);
    expect(await appears(marker)).toHaveLength(1);
    const e = await pending;
    expect((e as Error).message).toMatch(/timed out after 1500 ms/);
    expect(await gone(marker)).toEqual([]);
  });

  it("when the step is stopped, kills what a program that ignored SIGTERM started in a session of its own", async () => {
    const marker = `${(Math.random() * 1000 + 3000).toFixed(6)}`;
    const pending = run(stubborn(marker)).catch((x: unknown) => x);
    expect(await appears(marker)).toHaveLength(1);
    await stopRunningPrograms(300);
    expect((await pending) as Error).toBeInstanceOf(Error);
    expect(await gone(marker)).toEqual([]);
  });
});
