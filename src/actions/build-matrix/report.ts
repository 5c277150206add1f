import type { ErrorKind } from "../../runner/user-error.js";
import { headline, Report } from "../../runner/report.js";
import type { CheckedError } from "../../nix/source-map.js";
import type { BuildMatrixOptions } from "./options.js";

export type HostStatus = "planned" | "cached" | "built" | "pushed" | "failed" | "eval-failed";

/** One host's way through plan, build and push, as the report and the outputs give it. */
export interface HostBuildResult {
  host: string;
  status: HostStatus;
  system?: string;
  drv?: string;
  out?: string;
  /** The caches that already hold the host's toplevel. */
  cachedIn?: string[];
  seconds?: number;
  closureBytes?: number;
  pushed: boolean;
  error?: string;
  /** Where an evaluation error lies in the repository (repo-relative file, line, column). */
  file?: string;
  line?: number;
  column?: number;
  /** What kind of failure `error` is: a setup problem has its fix in the message (user-error.ts). */
  errorKind?: ErrorKind;
  /** The last lines of a failed build or push. */
  logTail?: string;
}

export interface MatrixEntry {
  host: string;
  system: string;
  drv: string;
  out: string;
}

export interface BuildMatrixReport {
  mode: BuildMatrixOptions["mode"];
  flake: string;
  result: "success" | "failure";
  nixVersion: string;
  hosts: HostBuildResult[];
  /** Why the hosts could not be listed, when they could not: then nothing was planned or built. */
  listing?: CheckedError;
  matrix: { include: MatrixEntry[] };
  warnings: string[];
  seconds: number;
}

/** An evaluation error as a host's result: its message and, when known, where it lies. */
export function evaluationFailure(host: string, error: CheckedError): HostBuildResult {
  const result: HostBuildResult = { host, status: "eval-failed", pushed: false, error: error.message };
  if (error.file) Object.assign(result, { file: error.file, line: error.line, column: error.column });
  return result;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const STATUS_TEXT: Record<HostStatus, string> = {
  planned: "🔨 to build",
  cached: "✅ cached",
  built: "✅ built",
  pushed: "✅ pushed",
  failed: "❌ failed",
  "eval-failed": "❌ eval-failed",
};

function where(h: HostBuildResult): string {
  return h.file ? ` (${h.file}:${h.line}${h.column ? `:${h.column}` : ""})` : "";
}

export function renderReport(report: BuildMatrixReport): Report {
  const failed = report.hosts.filter((h) => h.status === "failed" || h.status === "eval-failed");
  const r = new Report(`build-matrix (${report.mode}): ${failed.length ? `${failed.length} host${failed.length === 1 ? "" : "s"} failed` : "all hosts good"}`);
  const count = (s: HostStatus) => report.hosts.filter((h) => h.status === s).length;
  const parts = (["cached", "planned", "built", "pushed", "failed", "eval-failed"] as HostStatus[])
    .filter((s) => count(s))
    .map((s) => `${count(s)} ${s === "planned" ? "to build" : s}`);
  if (report.listing) {
    // Never "0 hosts", as if that were a result: nothing could be planned, and this is why.
    const at = report.listing.file ? ` (${report.listing.file}:${report.listing.line})` : "";
    r.paragraph(`The hosts could not be listed, so nothing was planned (${report.seconds} s, ${report.nixVersion}): ${headline(report.listing.message)}${at}`);
  } else r.paragraph(`${report.hosts.length} hosts in ${report.seconds} s with ${report.nixVersion}: ${parts.join(", ") || "none"}.`);
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Time", "Closure", "Detail"],
      report.hosts.map((h) => [
        h.host,
        STATUS_TEXT[h.status],
        h.seconds === undefined ? "" : `${h.seconds} s`,
        h.closureBytes === undefined ? "" : formatBytes(h.closureBytes),
        h.error ? headline(h.error) + where(h) : h.status === "cached" ? `in ${(h.cachedIn ?? []).join(", ")}` : (h.out ?? ""),
      ]),
    );
  }
  if (report.warnings.length) {
    r.heading("Warnings");
    r.list(report.warnings);
  }
  for (const h of failed) {
    const detail = h.logTail || h.error;
    if (detail && (detail.includes("\n") || h.logTail)) r.code(`${h.host}: ${h.status}${where(h)}`, detail);
  }
  return r;
}

/** The message a failed step ends with: every bad host by name. */
export function failureMessage(report: BuildMatrixReport): string {
  const evalFailed = report.hosts.filter((h) => h.status === "eval-failed").map((h) => h.host);
  const failed = report.hosts.filter((h) => h.status === "failed").map((h) => h.host);
  const parts: string[] = [];
  if (report.listing) return `could not list the hosts: ${headline(report.listing.message)}`;
  if (evalFailed.length) parts.push(`failed to evaluate: ${evalFailed.join(", ")}`);
  if (failed.length) parts.push(`failed to build or push: ${failed.join(", ")}`);
  return `${evalFailed.length + failed.length} of ${report.hosts.length} hosts failed (${parts.join("; ")})`;
}
