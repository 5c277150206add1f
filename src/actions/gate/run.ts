import { ReportWriteError, writeStepReport } from "../../runner/report-file.js";
import { Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import { ScopedRuntime } from "../../runner/scoped-runtime.js";
import type { ToolCache } from "../../runner/tool-cache.js";
import { errorKind, type ErrorKind } from "../../runner/user-error.js";
import { failureMessage as buildFailure, runBuildMatrix } from "../build-matrix/run.js";
import { failureMessage as checkFailure, runFlakeCheck } from "../flake-check/run.js";
import { failureMessage as scanFailure } from "../secret-scan/report.js";
import { runSecretScan } from "../secret-scan/run.js";
import type { FleetEvaluation } from "../../fleet/evaluate.js";
import type { GateOptions } from "./options.js";

export type StageName = "flake-check" | "secret-scan" | "build-matrix";

export interface StageResult {
  stage: StageName;
  status: "success" | "failure" | "skipped";
  /** Why it failed or was skipped. */
  message?: string;
  /** Beside the message of a failed stage: "failure" (it found problems), or what stopped it (user-error.ts). */
  errorKind?: ErrorKind;
  /** The stage ran, but its report could not be written (a full disk): its results are unknown here. */
  reportLost?: boolean;
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
    if (failed) {
      result.message = failed;
      result.errorKind = "failure";
    }
    return result;
  } catch (error) {
    // One stage failing to run never stops the others: the gate reports them all.
    // Into the report file and the summary, which no log masking reaches: a tool's message may quote a credential.
    const message = runtime.redacted(error instanceof Error ? error.message : String(error));
    const result: StageResult = { stage: name, status: "failure", message, errorKind: errorKind(error), report: scoped.values.get("report") };
    if (error instanceof ReportWriteError) {
      result.message = `${name} ran, but its report is missing: ${message}`;
      result.reportLost = true;
    }
    return result;
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

  let broken: string[] | undefined;
  let listed: string[] | undefined;
  // flake-check evaluates every host (the same evaluation plan makes): build-matrix plans from it.
  let evaluation: FleetEvaluation | undefined;
  const check = await stage("flake-check", runtime, async (scoped) => {
    const report = await runFlakeCheck(options.flakeCheck, { runtime: scoped, onEvaluation: (e) => (evaluation = e) });
    broken = report.brokenHosts;
    listed = report.hosts.map((h) => h.host);
    return report.result === "failure" ? { failed: checkFailure(report) } : {};
  });
  stages.push(check);
  let findings = 0;
  const scan = await stage("secret-scan", runtime, async (scoped) => {
    const report = await runSecretScan(options.secretScan, { runtime: scoped, toolCache: deps.toolCache });
    findings = report.findings.length;
    return report.findings.length && options.secretScan.failOnFindings ? { failed: scanFailure(report) } : {};
  });
  stages.push(scan);

  // Broken hosts are not worth a build. A host the user asked for stays in, even one the flake
  // lacks: build-matrix names it rather than the gate dropping it silently.
  // When the hosts could not even be listed, nothing is built, whatever `hosts` asks for.
  const selected = !listed?.length
    ? undefined
    : options.buildMatrix.hosts.length
      ? options.buildMatrix.hosts.filter((h) => !broken?.includes(h))
      : listed.filter((h) => !broken?.includes(h));
  if (!selected?.length) {
    const why =
      listed !== undefined
        ? listed.length
          ? "no host evaluates"
          : "no host could be listed"
        : check.reportLost
          ? "flake-check's report could not be written, so which hosts evaluate is unknown"
          : "flake-check did not run";
    stages.push({ stage: "build-matrix", status: "skipped", message: why });
    runtime.info(`── build-matrix ── skipped: ${why}.`);
  } else {
    // A secret found in the history must not be carried into a cache with the closures it may be
    // in: not after findings, even with fail-on-findings off, nor when the scan could not run.
    const withhold = (scan.status === "failure" || findings > 0) && options.buildMatrix.pushTo !== undefined;
    const build = await stage("build-matrix", runtime, async (scoped) => {
      if (withhold) scoped.warning("secret-scan found secrets or could not run: hosts are built but not pushed.");
      const report = await runBuildMatrix({ ...options.buildMatrix, mode: "all", hosts: selected, pushTo: withhold ? undefined : options.buildMatrix.pushTo }, { runtime: scoped, evaluation });
      return report.result === "failure" ? { failed: buildFailure(report) } : {};
    });
    if (withhold) build.message = build.message ? `${build.message} (and nothing pushed: secret-scan)` : "built, not pushed: secret-scan found secrets or could not run";
    stages.push(build);
  }

  const report: GateReport = { result: stages.some((s) => s.status !== "success") ? "failure" : "success", stages };
  runtime.report(renderReport(report));
  runtime.setOutput("result", report.result);
  runtime.setOutput("report", await writeStepReport(options.reportDir, "gate", report));
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
