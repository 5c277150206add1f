import { writeStepReport } from "../../runner/report-file.js";
import { evalHostToplevel, listHosts } from "../../fleet/hosts.js";
import { Git } from "../../git/git.js";
import { extraArgsRejectedByNix } from "../../nix/eval-args.js";
import { parseNixErrors, type NixError } from "../../nix/errors.js";
import { Nix, NixCommandError } from "../../nix/nix.js";
import { mapConcurrent } from "../../process/concurrency.js";
import { tail } from "../../process/run.js";
import { InputError } from "../../runner/inputs.js";
import { headline, Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import { groupErrors, locate, type CheckedError, type FlakeCheckReport, type HostResult, type OutputResult, type SourceMap } from "./analyze.js";
import type { FlakeCheckOptions } from "./options.js";

/** GitHub keeps this many error annotations per step and drops the rest. */
const GITHUB_ANNOTATION_LIMIT = 10;

/** Hosts evaluated one by one at a time when the check could not say which hosts broke. */
const HOST_EVAL_CONCURRENCY = 4;

export interface FlakeCheckDeps {
  runtime: Runtime;
  nix?: Nix;
}

function errorsOf(e: unknown): NixError[] {
  if (e instanceof NixCommandError && e.errors.length) return e.errors;
  return [{ message: e instanceof Error ? e.message : String(e), trace: [], ignored: false }];
}

/** derivation path → checks.<system>.<name>, so that a failed build is named by its check. */
async function checkNames(nix: Nix, flake: string, evalArgs: string[]): Promise<Map<string, string>> {
  const apply =
    "cs: builtins.mapAttrs (s: v: builtins.mapAttrs (n: c: let r = builtins.tryEval c.drvPath; in if r.success then r.value else null) v) cs";
  const names = new Map<string, string>();
  try {
    const checks = await nix.evalJson<Record<string, Record<string, string | null>>>(`${flake}#checks`, { apply, extraArgs: evalArgs });
    for (const [system, byName] of Object.entries(checks)) {
      for (const [name, drv] of Object.entries(byName)) if (drv) names.set(drv, `checks.${system}.${name}`);
    }
  } catch {
    // Naming is a nicety: without it the failed build is reported under its derivation path.
  }
  return names;
}

/**
 * Runs `nix flake check` over the flake and names every broken host: each error is attributed to
 * the host (or other output) it came from, and when the check cannot tell, hosts are evaluated one
 * by one. Returns the report; sets outputs, annotations and the summary through the runtime.
 */
export async function runFlakeCheck(options: FlakeCheckOptions, deps: FlakeCheckDeps): Promise<FlakeCheckReport> {
  const { runtime } = deps;
  const started = Date.now();
  const [nix, gitRoot] = await Promise.all([
    deps.nix ?? Nix.create({ extraConfig: options.nixConfig }),
    options.localDir && !options.flake.startsWith("path:") ? new Git(options.localDir).tryToplevel() : undefined,
  ]);
  runtime.info(`Checking flake '${options.flake}' with ${nix.version.text}`);
  if (options.allSystems && !nix.features.flakeCheckAllSystems) {
    runtime.info(`${nix.version.text} has no --all-systems: it checks every system anyway.`);
  }
  const evalArgs = evaluationArgs(options.extraArgs);
  const root = gitRoot || options.localDir;
  // Annotations are placed relative to the repository root; a terminal shows paths from the cwd.
  const map: SourceMap = { root, workspace: options.pathsFromRepositoryRoot && gitRoot ? gitRoot : options.workspace };

  // First alone: it writes flake.lock when that is missing or stale, which concurrent Nix
  // processes would read half-written. Fails when flake.nix does not parse: the check says why.
  map.storePath = await nix.flakeSourcePath(options.ref, evaluationArgs(options.extraArgs, LOCK_FLAGS)).catch(() => undefined);

  const [listed, result] = await Promise.all([
    listHosts(nix, options.ref, evalArgs).then(
      (names) => ({ names, error: undefined }),
      (error: unknown) => ({ names: [] as string[], error }),
    ),
    runtime.group("nix flake check output", () =>
      nix.flakeCheck(options.ref, {
        keepGoing: options.keepGoing,
        build: options.buildChecks,
        allSystems: options.allSystems,
        extraArgs: options.extraArgs,
        onStderrLine: (line) => runtime.untrusted(line),
      }),
    ),
  ]);
  // Nix refused an extra argument before checking anything: that input's fault, not the flake's.
  const rejected = result.exitCode === 0 ? undefined : extraArgsRejectedByNix(result.stderr, options.extraArgs);
  if (rejected) throw new InputError("extra-args", rejected, options.inputLabel?.("extra-args"));
  const hosts = listed.names;
  const hostResults = new Map<string, HostResult>();
  for (const host of hosts) hostResults.set(host, { host, status: result.exitCode === 0 ? "ok" : "unknown", errors: [] });
  const outputs: OutputResult[] = [];
  const flakeErrors: NixError[] = [];

  if (result.exitCode !== 0) {
    const errors = parseNixErrors(result.stderr);
    const names = errors.some((e) => e.derivation) ? await checkNames(nix, options.ref, evalArgs) : new Map<string, string>();
    const found = groupErrors(errors, names);
    for (const [host, errs] of found.byHost) hostResults.set(host, { host, status: "broken", errors: errs.map((e) => locate(e, map)) });
    for (const [output, errs] of found.byOutput) outputs.push({ output, errors: errs.map((e) => locate(e, map)) });

    const unexplained = errors.length
      ? found.unattributed
      : [{ message: tail(result.stderr) || `nix flake check exited with code ${result.exitCode}`, trace: [], ignored: false }];
    if (!options.keepGoing) {
      // Nix stopped at the first error: the hosts it did not reach stay "not checked".
      runtime.info("keep-going is off: Nix stopped at the first error, so hosts after it were not checked.");
    } else if (unexplained.length) {
      // The check failed somewhere it could not name: evaluate every host not yet known broken on
      // its own, so that each broken one is named and the good ones are known good.
      const pending = hosts.filter((h) => hostResults.get(h)?.status !== "broken");
      if (pending.length) {
        runtime.info(`The check did not say which hosts broke: evaluating ${pending.length} hosts one by one.`);
        for (const r of await evaluateHostsOneByOne(nix, options.ref, pending, map, runtime, evalArgs)) hostResults.set(r.host, r);
      }
    } else {
      // Every error was attributed: hosts not named in any are good.
      for (const h of hostResults.values()) if (h.status === "unknown") h.status = "ok";
    }
    // An error about nixosConfigurations as a whole is explained by broken hosts, if any were found.
    const anyBroken = [...hostResults.values()].some((h) => h.status === "broken");
    flakeErrors.push(...unexplained.filter((e) => !(e.output === "nixosConfigurations" && anyBroken)));
  }
  // Not even the hosts could be listed (no nixosConfigurations, names that are no host names):
  // an error whatever the check said, unless the check already reported the same one.
  const listing = listed.error ? errorsOf(listed.error).filter((e) => !parseNixErrors(result.stderr).some((x) => x.message === e.message)) : [];
  if (listing.length) outputs.unshift({ output: "hosts", errors: listing.map((e) => locate(e, map)) });
  if (flakeErrors.length) outputs.unshift({ output: "flake", errors: dedupe(flakeErrors).map((e) => locate(e, map)) });

  const hostList = [...hostResults.values()].sort((a, b) => a.host.localeCompare(b.host));
  const brokenHosts = hostList.filter((h) => h.status === "broken").map((h) => h.host);
  const report: FlakeCheckReport = {
    flake: options.flake,
    result: brokenHosts.length || outputs.length ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts: hostList,
    brokenHosts,
    outputs,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };

  annotate(runtime, report);
  runtime.report(renderReport(report));
  const reportPath = await writeStepReport(options.reportDir, "flake-check", report, options.reportPath);
  runtime.setOutput("result", report.result);
  runtime.setOutput("broken-hosts", JSON.stringify(brokenHosts));
  runtime.setOutput("report", reportPath);
  return report;
}

/** Flags among extra-args that change what is evaluated: every evaluation must see them too. */
const EVALUATION_FLAGS: Record<string, number> = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--impure": 0,
  "--option": 2,
  "--arg": 2,
  "--argstr": 2,
  "--no-update-lock-file": 0,
};
/** Those that `nix flake metadata` (which only locks and fetches) takes too. */
const LOCK_FLAGS: Record<string, number> = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--option": 2,
  "--no-update-lock-file": 0,
};

export function evaluationArgs(extraArgs: string[], flags: Record<string, number> = EVALUATION_FLAGS): string[] {
  const picked: string[] = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const arity = flags[extraArgs[i] ?? ""];
    if (arity === undefined) continue;
    picked.push(...extraArgs.slice(i, i + 1 + arity));
    i += arity;
  }
  return picked;
}

/** Evaluates each host's toplevel on its own (a few at a time), so one broken host cannot hide another. */
export async function evaluateHostsOneByOne(
  nix: Nix,
  flake: string,
  hosts: string[],
  map: SourceMap,
  runtime: Runtime,
  evalArgs: string[] = [],
): Promise<HostResult[]> {
  return mapConcurrent(hosts, HOST_EVAL_CONCURRENCY, async (host): Promise<HostResult> => {
    const t0 = Date.now();
    const seconds = () => ((Date.now() - t0) / 1000).toFixed(1);
    try {
      await evalHostToplevel(nix, flake, host, evalArgs);
      runtime.info(`  ${host}: ok (${seconds()} s)`);
      return { host, status: "ok", errors: [] };
    } catch (e) {
      runtime.info(`  ${host}: broken (${seconds()} s)`);
      return { host, status: "broken", errors: errorsOf(e).map((x) => locate(x, map)) };
    }
  });
}

function dedupe(errors: NixError[]): NixError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
}

function where(e: CheckedError): string {
  return e.file ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ""}` : "";
}

function annotate(runtime: Runtime, report: FlakeCheckReport): void {
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
  const unchecked = count("unknown");
  r.paragraph(
    `${report.hosts.length} hosts checked in ${report.seconds} s with ${report.nixVersion}: ` +
      `${count("ok")} good, ${count("broken")} broken${unchecked ? `, ${unchecked} not checked` : ""}.`,
  );
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Error", "Location"],
      report.hosts.map((h) => {
        const e = h.errors[0];
        const status = h.status === "ok" ? "✅ ok" : h.status === "broken" ? "❌ broken" : "❔ not checked";
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
