import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import { ScopedRuntime } from "../../runner/scoped-runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { failureMessage as buildFailure, runBuildMatrix } from "../build-matrix/run.js";
import { failureMessage as checkFailure, runFlakeCheck } from "../flake-check/run.js";
import { failureMessage as scanFailure, runSecretScan } from "../secret-scan/run.js";
import type { GateOptions } from "./options.js";

export type StageName = "flake-check" | "secret-scan" | "build-matrix";

export interface StageResult {
  stage: StageName;
  status: "success" | "failure" | "skipped";
  /** Why it failed or was skipped. */
  message?: string;
  report?: string;
}

export interface GateReport {
  result: "success" | "failure";
  stages: StageResult[];
}

/** Which of a stage's outputs the gate publishes, under which name. */
const OUTPUTS: Record<StageName, Record<string, string>> = {
  "flake-check": { "broken-hosts": "broken-hosts" },
  "secret-scan": { findings: "findings", sarif: "sarif" },
  "build-matrix": { "out-paths": "out-paths", results: "results" },
};

export interface GateDeps {
  runtime: Runtime;
  toolCache?: ToolCache;
}

async function stage(
  name: StageName,
  runtime: Runtime,
  body: (scoped: ScopedRuntime) => Promise<{ failed?: string }>,
): Promise<StageResult> {
  const scoped = new ScopedRuntime(runtime, OUTPUTS[name]);
  runtime.info(`── ${name} ──`);
  try {
    const { failed } = await body(scoped);
    const result: StageResult = { stage: name, status: failed ? "failure" : "success", report: scoped.values.get("report") };
    if (failed) result.message = failed;
    return result;
  } catch (error) {
    // One stage failing to run never stops the others: the gate reports them all.
    return { stage: name, status: "failure", message: error instanceof Error ? error.message : String(error), report: scoped.values.get("report") };
  }
}

/**
 * The one-job pipeline: flake-check, secret-scan, then build-matrix `all` over the hosts that
 * evaluate. Every stage runs whatever the others did, and the gate fails at the end naming each
 * failed stage.
 */
export async function runGate(options: GateOptions, deps: GateDeps): Promise<GateReport> {
  const { runtime } = deps;
  const stages: StageResult[] = [];
  let buildable: string[] | undefined;

  stages.push(
    await stage("flake-check", runtime, async (scoped) => {
      const report = await runFlakeCheck(options.flakeCheck, { runtime: scoped });
      // Hosts Nix could not even list, or broken ones, are not worth a build.
      if (!report.outputs.some((o) => o.output === "flake")) buildable = report.hosts.filter((h) => h.status !== "broken").map((h) => h.host);
      return report.result === "failure" ? { failed: checkFailure(report) } : {};
    }),
  );
  stages.push(
    await stage("secret-scan", runtime, async (scoped) => {
      const report = await runSecretScan(options.secretScan, { runtime: scoped, toolCache: deps.toolCache });
      return report.findings.length && options.secretScan.failOnFindings ? { failed: scanFailure(report) } : {};
    }),
  );

  const selected = options.buildMatrix.hosts.length ? options.buildMatrix.hosts.filter((h) => buildable?.includes(h)) : buildable;
  if (!selected?.length) {
    const why = buildable === undefined ? "the flake does not evaluate" : "no host evaluates";
    stages.push({ stage: "build-matrix", status: "skipped", message: why });
    runtime.info(`── build-matrix ── skipped: ${why}.`);
  } else {
    stages.push(
      await stage("build-matrix", runtime, async (scoped) => {
        const report = await runBuildMatrix({ ...options.buildMatrix, mode: "all", hosts: selected }, { runtime: scoped });
        return report.result === "failure" ? { failed: buildFailure(report) } : {};
      }),
    );
  }

  const report: GateReport = { result: stages.some((s) => s.status !== "success") ? "failure" : "success", stages };
  runtime.report(renderReport(report));
  await mkdir(dirname(options.reportPath), { recursive: true });
  await writeFile(options.reportPath, JSON.stringify(report, null, 2) + "\n");
  runtime.setOutput("result", report.result);
  runtime.setOutput("report", options.reportPath);
  return report;
}

export function renderReport(report: GateReport): Report {
  const icon = { success: "✅", failure: "❌", skipped: "⏭️" } as const;
  return new Report(`gate: ${report.result === "success" ? "every stage passed" : "failed"}`).table(
    ["Stage", "Result", "Detail"],
    report.stages.map((s) => [s.stage, `${icon[s.status]} ${s.status}`, s.message ?? ""]),
  );
}

export function failureMessage(report: GateReport): string {
  return report.stages
    .filter((s) => s.status !== "success")
    .map((s) => `${s.stage} ${s.status === "skipped" ? "skipped" : "failed"}: ${s.message}`)
    .join("; ");
}
