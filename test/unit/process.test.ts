import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

function pgidOf(pid: string): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[2]);
  } catch {
    return undefined;
  }
}
import { mapConcurrent } from "../../src/process/concurrency.js";
import { CommandError, CommandNotFoundError, KILL_AFTER_MS, LINE_LIMIT_BYTES, run, runChecked, runningProcessGroups, stopRunningPrograms, tail } from "../../src/process/run.js";
import { atLeast, nixFeatures, parseNixVersion } from "../../src/nix/version.js";

describe("run", () => {
  it("runs argv without a shell: metacharacters are plain arguments", async () => {
    const r = await run(["printf", "%s|", "a b", "$(id)", ";", "*"]);
    expect(r).toMatchObject({ exitCode: 0, stdout: "a b|$(id)|;|*|" });
  });

  it("resolves with a failing exit code and the stderr; runChecked turns it into a CommandError", async () => {
    const r = await run(["sh", "-c", "echo oops >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, stderr: "oops\n" });
    const e = await runChecked(["sh", "-c", "echo oops >&2; exit 3"]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect((e as CommandError).exitCode).toBe(3);
    expect((e as CommandError).message).toBe("sh -c 'echo oops >&2; exit 3' exited with code 3:\noops");
  });

  it("says when the program is not installed", async () => {
    await expect(run(["nix-fleet-no-such-program"])).rejects.toBeInstanceOf(CommandNotFoundError);
  });

  it("stops a program at its timeout", async () => {
    await expect(run(["sleep", "5"], { timeoutMs: 100 })).rejects.toThrow("timed out after 100 ms");
  });

  it("kills a program that ignores SIGTERM at its timeout, and what it started", async () => {
    const started = Date.now();
    const e = await run(["sh", "-c", "trap '' TERM; sleep 30 & trap '' TERM; wait"], { timeoutMs: 100 }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/timed out after 100 ms/);
    expect(Date.now() - started).toBeLessThan(KILL_AFTER_MS + 2000);
  });

  it("hands stderr over line by line, a multi-byte character split across chunks intact", async () => {
    const lines: string[] = [];
    // "…" is three bytes; the first write ends in the middle of it.
    const r = await run(["sh", "-c", "printf 'a\\n\\342\\200' >&2; sleep 0.05; printf '\\246 b\\nlast' >&2"], { onStderrLine: (l) => lines.push(l) });
    expect(r.exitCode).toBe(0);
    expect(lines.slice(-3)).toEqual(["a", "… b", "last"]);
  });

  it("feeds input on stdin", async () => {
    expect((await run(["cat"], { input: "hello" })).stdout).toBe("hello");
  });

  it("keeps only the end of stderr, marked, and cuts an endless line", async () => {
    const lines: string[] = [];
    const r = await run(["sh", "-c", "seq 1 200000 >&2; head -c 100000 /dev/zero | tr '\\0' x >&2; echo >&2; echo end >&2"], {
      stderrTailBytes: 4096,
      onStderrLine: (l) => lines.push(l),
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^\[\d+ earlier bytes of output left out\]\n/);
    expect(r.stderr.length).toBeLessThan(4200);
    expect(r.stderr.endsWith("end\n")).toBe(true);
    expect(lines[0]).toBe("1");
    expect(lines[199999]).toBe("200000");
    // The 100000-byte line arrives once, cut; the line after it is whole.
    expect(lines[200000]).toMatch(/^x+… \[line cut\]$/);
    expect(lines[200000]?.length).toBeLessThan(LINE_LIMIT_BYTES + 20);
    expect(lines.slice(200001)).toEqual(["end"]);
  });

  it("refuses more stdout than its limit, and stops the program", async () => {
    const e = await run(["sh", "-c", "yes"], { stdoutLimitBytes: 1 << 20 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect((e as Error).message).toMatch(/printed more than 1 MiB on stdout/);
  });

  it("runs each program in a process group of its own, and stops the whole group", async () => {
    // The shell starts a sleep of its own: stopping the shell alone would leave the sleep running.
    const marker = `nix-fleet-test-${process.pid}-${Date.now()}`;
    const pending = run(["sh", "-c", `sleep 300 ${marker} 2>/dev/null || sleep 300; :`]).catch((x: unknown) => x);
    const [group] = runningProcessGroups();
    expect(group).toBeGreaterThan(1);
    const members = () => readdirSync("/proc").filter((p) => /^\d+$/.test(p) && pgidOf(p) === group);
    // The shell forks its sleep a moment later: waited for, not assumed.
    for (let i = 0; i < 60 && members().length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(`/proc/${group}/stat`, "utf8").split(") ")[1]?.split(" ")[3]).toBe(String(group)); // pgid == pid
    expect(members().length).toBeGreaterThanOrEqual(2);
    await stopRunningPrograms(2000);
    const e = await pending;
    expect((e as Error).message).toMatch(/stopped by SIGTERM: the step is being stopped/);
    expect(members()).toEqual([]);
    await expect(run(["true"])).rejects.toThrow(/was not started: the step is being stopped/);
  });

  it("tail keeps the last lines", () => {
    expect(tail("1\n2\n3\n4\n", 2)).toBe("3\n4");
  });
});

describe("mapConcurrent", () => {
  it("keeps the order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapConcurrent([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  });
});

describe("Nix versions", () => {
  it.each([
    ["nix (Nix) 2.8.0", [2, 8, 0], { flakeCheckAllSystems: false, pathInfoObject: false, storeInfo: false, drvOutputsCaret: false }],
    ["nix (Nix) 2.14.1", [2, 14, 1], { flakeCheckAllSystems: false, pathInfoObject: false, storeInfo: false, drvOutputsCaret: false }],
    ["nix (Nix) 2.15.0", [2, 15, 0], { flakeCheckAllSystems: false, pathInfoObject: false, storeInfo: false, drvOutputsCaret: true }],
    ["nix (Nix) 2.18.1", [2, 18, 1], { flakeCheckAllSystems: true, pathInfoObject: false, storeInfo: false, drvOutputsCaret: true }],
    ["nix (Nix) 2.24.9", [2, 24, 9], { flakeCheckAllSystems: true, pathInfoObject: true, storeInfo: true, drvOutputsCaret: true }],
    ["nix (Determinate Nix 3.6.2) 2.29.0", [2, 29, 0], { flakeCheckAllSystems: true, pathInfoObject: true, storeInfo: true, drvOutputsCaret: true }],
  ])("%s", (text, [major, minor, patch], features) => {
    const v = parseNixVersion(text);
    expect([v.major, v.minor, v.patch]).toEqual([major, minor, patch]);
    expect(nixFeatures(v)).toEqual(features);
  });

  it("refuses text without a version", () => {
    expect(() => parseNixVersion("command not found")).toThrow("cannot read a Nix version");
    expect(atLeast(parseNixVersion("2.16"), 2, 16)).toBe(true);
    expect(parseNixVersion("nix (Lix, like Nix) 2.91.1")).toMatchObject({ major: 2, minor: 91, patch: 1 });
  });
});
