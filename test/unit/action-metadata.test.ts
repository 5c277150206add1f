import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { GATE_FIXED_INPUTS } from "../../src/actions/gate/options.js";
import { repoRoot } from "../support/runner-harness.js";

const actions = readdirSync(join(repoRoot, "actions")).filter((n) => existsSync(join(repoRoot, "actions", n, "action.yml")));

/** Input names the code reads: `inputs.<getter>("name"` or a helper's `(inputs, "name"` in the action's source. */
function inputsReadBy(action: string): Set<string> {
  const dir = join(repoRoot, "src", "actions", action);
  const names = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const m of readFileSync(join(dir, file), "utf8").matchAll(/inputs(?:\.(?:string|optionalString|required|secret|bool|int|list|oneOf|args|existingFile)\(|,)\s*"([^"]+)"/g)) names.add(m[1] as string);
  }
  return names;
}

/** Output names the action's source sets: `setOutput("name"`. */
function outputsSetBy(action: string): Set<string> {
  const dir = join(repoRoot, "src", "actions", action);
  const names = new Set<string>();
  for (const file of readdirSync(dir)) for (const m of readFileSync(join(dir, file), "utf8").matchAll(/setOutput\(\s*"([^"]+)"/g)) names.add(m[1] as string);
  return names;
}

/**
 * The defaults written as literals in the action's source (`inputs.bool("x", true)`,
 * `inputs.int("x", 30, ...)`, `inputs.string("x", "auto")`, `inputs.oneOf("x", MODES, "plan")`):
 * what a step that leaves the input out gets where the runner does not fill action.yml's default in.
 */
function literalDefaults(action: string): Map<string, string> {
  const dir = join(repoRoot, "src", "actions", action);
  const defaults = new Map<string, string>();
  const pattern = /inputs\.(?:bool|int|string|oneOf)\(\s*"([^"]+)",\s*(?:[A-Z_]+,\s*)?(true|false|\d+|"[^"]*")\s*[,)]/g;
  for (const file of readdirSync(dir)) {
    for (const m of readFileSync(join(dir, file), "utf8").matchAll(pattern)) defaults.set(m[1] as string, (m[2] as string).replace(/^"|"$/g, ""));
  }
  return defaults;
}

describe.each(actions)("actions/%s/action.yml", (action) => {
  const meta = parse(readFileSync(join(repoRoot, "actions", action, "action.yml"), "utf8"));

  it("runs the committed bundle on node24, with post only where the source has one", () => {
    expect(meta.runs.using).toBe("node24");
    expect(meta.runs.main).toBe("dist/main.js");
    expect(existsSync(join(repoRoot, "actions", action, "dist", "main.js"))).toBe(true);
    const hasPost = existsSync(join(repoRoot, "src", "actions", action, "post.ts"));
    expect(meta.runs.post).toBe(hasPost ? "dist/post.js" : undefined);
  });

  it("declares exactly the inputs the code reads, each described", () => {
    expect(new Set(Object.keys(meta.inputs ?? {}))).toEqual(inputsReadBy(action));
    for (const spec of Object.values(meta.inputs ?? {}) as { description?: string }[]) expect(spec.description).toBeTruthy();
  });

  it("gives each input the default the code falls back to", () => {
    const defaults = literalDefaults(action);
    for (const [input, def] of defaults) expect([input, String(meta.inputs[input]?.default ?? "")]).toEqual([input, def]);
  });

  it("declares exactly the outputs the code sets, each described", () => {
    expect(new Set(Object.keys(meta.outputs ?? {}))).toEqual(outputsSetBy(action));
    for (const spec of Object.values(meta.outputs ?? {}) as { description?: string }[]) expect(spec.description).toBeTruthy();
  });
});

describe("action.yml (the gate)", () => {
  const gate = parse(readFileSync(join(repoRoot, "action.yml"), "utf8"));
  const stage = (name: string) => parse(readFileSync(join(repoRoot, "actions", name, "action.yml"), "utf8"));

  it("runs dist/gate on node24 with a post step that removes build-matrix's private directory", () => {
    expect(gate.runs).toEqual({ using: "node24", main: "dist/gate/main.js", post: "dist/gate/post.js" });
    expect(existsSync(join(repoRoot, "dist", "gate", "main.js"))).toBe(true);
  });

  it("declares the union of its stages' inputs, less those it fixes, with the same defaults", () => {
    const fixed = Object.keys(GATE_FIXED_INPUTS);
    const union = new Map<string, unknown>();
    for (const name of ["flake-check", "secret-scan", "build-matrix"]) {
      for (const [input, spec] of Object.entries(stage(name).inputs as Record<string, { default?: unknown }>)) if (!fixed.includes(input)) union.set(input, spec.default);
    }
    expect(new Set(Object.keys(gate.inputs))).toEqual(new Set(union.keys()));
    for (const [input, def] of union) expect([input, gate.inputs[input].default]).toEqual([input, def]);
  });

  it("declares only outputs that it or one of its stages sets, each described", () => {
    const set = new Set(["gate", "flake-check", "secret-scan", "build-matrix"].flatMap((a) => [...outputsSetBy(a)]));
    for (const [output, spec] of Object.entries(gate.outputs as Record<string, { description?: string }>)) {
      expect(set.has(output), `output ${output}`).toBe(true);
      expect(spec.description).toBeTruthy();
    }
  });
});

it("README's input and output tables are generated from the action.yml files", () => {
  try {
    execFileSync(process.execPath, [join(repoRoot, "scripts", "docs.mjs"), "--check"], { stdio: "pipe" });
  } catch (error) {
    expect.fail(String((error as { stderr?: Buffer }).stderr ?? error));
  }
});
