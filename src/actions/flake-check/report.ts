import { headline, Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import type { CheckedError, FlakeCheckReport } from "./analyze.js";

/** GitHub keeps this many error annotations per step and drops the rest. */
const GITHUB_ANNOTATION_LIMIT = 10;

function where(e: CheckedError): string {
  return e.file ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ""}` : "";
}

/** What a run that skipped other systems' outputs says of them: they were not checked. */
export function omittedSystemsNote(report: FlakeCheckReport): string | undefined {
  if (!report.omittedSystems.length) return undefined;
  return `Not checked: the outputs for ${report.omittedSystems.join(", ")}, which this runner cannot build (${report.nixVersion} skips them). Set all-systems: true to evaluate them too.`;
}

export function annotate(runtime: Runtime, report: FlakeCheckReport): void {
  const omitted = omittedSystemsNote(report);
  if (omitted) runtime.annotate({ level: "warning", title: "systems not checked", message: omitted });
  for (const h of report.hosts) {
    for (const e of h.errors) {
      runtime.annotate({ level: "error", title: `host ${h.host} is broken`, message: e.message, file: e.file, line: e.line, column: e.column });
    }
  }
  for (const o of report.outputs) {
    for (const e of o.errors) {
      runtime.annotate({ level: "error", title: o.output === "flake" ? "flake" : `${o.output} failed`, message: e.message, file: e.file, line: e.line, column: e.column });
    }
  }
}

export function renderReport(report: FlakeCheckReport): Report {
  const r = new Report(`flake-check: ${report.result === "success" ? "all hosts good" : "failed"}`);
  const count = (status: string) => report.hosts.filter((h) => h.status === status).length;
  if (!report.hostsListed) {
    // Never "0 hosts checked", as if that were a result: nothing was checked, and this is why.
    const why = report.outputs.find((o) => o.output === "hosts" || o.output === "flake")?.errors[0]?.message;
    r.paragraph(`The hosts could not be listed, so no host was checked (${report.seconds} s, ${report.nixVersion})${why ? `: ${headline(why)}` : "."}`);
  } else {
    r.paragraph(`${report.hosts.length} hosts checked in ${report.seconds} s with ${report.nixVersion}: ${count("ok")} good, ${count("broken")} broken.`);
  }
  const omitted = omittedSystemsNote(report);
  if (omitted) r.paragraph(omitted);
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Error", "Location"],
      report.hosts.map((h) => {
        const e = h.errors[0];
        const status = h.status === "ok" ? "✅ ok" : "❌ broken";
        const more = h.errors.length > 1 ? ` (+${h.errors.length - 1} more)` : "";
        return [h.host, status, e ? headline(e.message) + more : "", e ? where(e) : ""];
      }),
    );
  }
  const errorCount = [...report.hosts, ...report.outputs].reduce((n, x) => n + x.errors.length, 0);
  if (errorCount > GITHUB_ANNOTATION_LIMIT) {
    r.paragraph(`GitHub shows only the first ${GITHUB_ANNOTATION_LIMIT} error annotations of a step: all ${errorCount} errors are listed here.`);
  }
  if (report.outputs.length) {
    r.heading("Other errors");
    r.table(
      ["Output", "Error", "Location"],
      report.outputs.flatMap((o) => o.errors.map((e) => [o.output, headline(e.message), where(e)])),
    );
  }
  // Multi-line messages (failed assertions, build logs) in full, below the tables.
  const full = [...report.hosts.map((h) => [h.host, h.errors] as const), ...report.outputs.map((o) => [o.output, o.errors] as const)];
  for (const [name, errors] of full) {
    for (const e of errors) if (e.message.includes("\n")) r.code(`${name}: ${where(e) || "error"}`, e.message);
  }
  return r;
}

/** The message a failed step ends with. */
export function failureMessage(report: FlakeCheckReport): string {
  const parts: string[] = [];
  if (report.brokenHosts.length) {
    parts.push(`${report.brokenHosts.length} of ${report.hosts.length} hosts are broken: ${report.brokenHosts.join(", ")}`);
  }
  const flake = report.outputs.find((o) => o.output === "flake");
  if (flake) parts.push(`the flake did not evaluate: ${headline(flake.errors[0]?.message ?? "")}`);
  const listing = report.outputs.find((o) => o.output === "hosts");
  if (listing) parts.push(`could not list the hosts: ${headline(listing.errors[0]?.message ?? "")}`);
  const others = report.outputs.filter((o) => o.output !== "flake" && o.output !== "hosts").map((o) => o.output);
  if (others.length) parts.push(`failed: ${others.join(", ")}`);
  return parts.join("; ");
}
