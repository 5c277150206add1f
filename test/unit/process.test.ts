import { describe, expect, it } from "vitest";
import { mapConcurrent } from "../../src/process/concurrency.js";
import { CommandError, CommandNotFoundError, run, runChecked, tail } from "../../src/process/run.js";
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
