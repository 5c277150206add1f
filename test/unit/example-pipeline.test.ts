import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../support/runner-harness.js";

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  concurrency?: { group?: string; "cancel-in-progress"?: boolean };
  if?: string;
  outputs?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; matrix?: string };
  steps: Step[];
}

const workflow = parse(readFileSync(join(repoRoot, ".forgejo", "workflows", "example-pipeline.yml"), "utf8")) as { jobs: Record<string, Job> };
const actionYml = (name: string) =>
  parse(readFileSync(join(repoRoot, "actions", name, "action.yml"), "utf8")) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
const action = actionYml("build-matrix");

it("every step of the example pipeline that uses one of our actions gives only inputs that action declares", () => {
  const ours = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => /\/actions\/[\w-]+@/.test(s.uses ?? "")));
  expect(ours.map((s) => /\/actions\/([\w-]+)@/.exec(s.uses ?? "")?.[1])).toEqual(["flake-check", "secret-scan", "build-matrix", "build-matrix", "mirror"]);
  for (const step of ours) {
    const declared = Object.keys(actionYml(/\/actions\/([\w-]+)@/.exec(step.uses ?? "")?.[1] ?? "").inputs);
    for (const input of Object.keys(step.with ?? {})) expect(declared).toContain(input);
  }
  expect(workflow.jobs.plan?.needs).toBe("check");
});

it("the example pipeline uses only build-matrix's real inputs and outputs, plan feeding a fail-fast-off matrix", () => {
  const { plan, build } = workflow.jobs;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.uses?.includes("/actions/build-matrix@")));
  expect(steps).toHaveLength(2);
  for (const step of steps) for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(input);
  for (const value of Object.values(plan?.outputs ?? {})) {
    const output = /steps\.plan\.outputs\.([\w-]+)/.exec(value)?.[1];
    expect(Object.keys(action.outputs)).toContain(output);
  }
  expect(build?.needs).toBe("plan");
  expect(build?.name).toBe("${{ matrix.host }}");
  expect(build?.strategy).toEqual({ "fail-fast": false, matrix: "${{ fromJSON(needs.plan.outputs.matrix) }}" });
  expect(build?.if).toContain("needs.plan.outputs.empty == 'false'");
  expect(build?.steps.find((s) => s.with?.mode === "build")?.with?.host).toBe("${{ matrix.host }}");
});

it("the example pipeline's mirror job waits for every gate job, runs for main only, publishes exactly github.sha, and never races", () => {
  const { mirror, ...gates } = workflow.jobs;
  expect(mirror).toBeDefined();
  expect(new Set(mirror?.needs)).toEqual(new Set(Object.keys(gates)));
  const condition = mirror?.if ?? "";
  expect(condition).toContain("github.ref == 'refs/heads/main'");
  for (const gate of Object.keys(gates)) expect(condition).toContain(`needs.${gate}.result`);
  expect(mirror?.concurrency?.["cancel-in-progress"]).toBe(false);
  expect(mirror?.concurrency?.group).toBeTruthy();
  const step = mirror?.steps.find((s) => s.uses?.includes("/actions/mirror@"));
  expect(step?.with).toMatchObject({ sha: "${{ github.sha }}", branch: "main" });
  const declared = actionYml("mirror").inputs;
  for (const input of Object.keys(step?.with ?? {})) expect(Object.keys(declared)).toContain(input);
});
