import { writeStepReport } from "../../runner/report-file.js";
import { evaluateFleet, HostsUnlistedError, type FleetEvaluation } from "../../fleet/evaluate.js";
import { omittedSystems, parseNixErrors, type NixError } from "../../nix/errors.js";
import { evaluationArgs, extraArgsRejectedByNix, lockArgs } from "../../nix/extra-args.js";
import { Nix } from "../../nix/nix.js";
import { locate, sourceMapFor } from "../../nix/source-map.js";
import { tail } from "../../process/run.js";
import { InputError } from "../../runner/inputs.js";
import type { Runtime } from "../../runner/runtime.js";
import { groupErrors, type FlakeCheckReport, type HostResult, type OutputResult } from "./analyze.js";
import { checkNames } from "./checks.js";
import type { FlakeCheckOptions } from "./options.js";
import { annotate, renderReport } from "./report.js";

export { failureMessage, renderReport } from "./report.js";

export interface FlakeCheckDeps {
  runtime: Runtime;
  nix?: Nix;
  /** Given the evaluation of every host, for a caller that plans from it too (the gate). */
  onEvaluation?: (evaluation: FleetEvaluation) => void;
}

/**
 * Runs `nix flake check` over the flake and, beside it, the one evaluation of every host's
 * toplevel derivation (src/fleet/evaluate.ts): `nix flake check` only looks at whether a host's
 * toplevel is a derivation, so an option type error, a failed assertion or a throw in its
 * attributes passes it. Each error is attributed to the host (or other output) it came from.
 * Returns the report; sets outputs, annotations and the summary through the runtime.
 */
export async function runFlakeCheck(options: FlakeCheckOptions, deps: FlakeCheckDeps): Promise<FlakeCheckReport> {
  const { runtime } = deps;
  const started = Date.now();
  const nix = deps.nix ?? (await Nix.create({ extraConfig: options.nixConfig }));
  runtime.info(`Checking flake '${options.flake}' with ${nix.version.text}`);
  if (options.allSystems && !nix.features.flakeCheckAllSystems) {
    runtime.info(`${nix.version.text} has no --all-systems: it checks every system anyway.`);
  }
  const evalArgs = evaluationArgs(options.extraArgs);
  const map = await sourceMapFor(nix, options, lockArgs(options.extraArgs));

  type Evaluated = { evaluation?: FleetEvaluation; unlisted?: NixError[] };
  const [evaluated, result] = await Promise.all([
    evaluateFleet(nix, options.ref, [], { extraArgs: evalArgs }).then(
      (evaluation): Evaluated => ({ evaluation }),
      (error: unknown): Evaluated => {
        if (error instanceof HostsUnlistedError) return { unlisted: error.errors };
        throw error;
      },
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
  const { evaluation, unlisted } = evaluated;
  if (evaluation) deps.onEvaluation?.(evaluation);
  const hostResults = new Map<string, HostResult>();
  for (const h of evaluation?.hosts ?? []) hostResults.set(h.host, { host: h.host, status: "ok", errors: [] });
  for (const f of evaluation?.failed ?? []) hostResults.set(f.host, { host: f.host, status: "broken", errors: f.errors.map((e) => locate(e, map)) });
  const outputs: OutputResult[] = [];
  const flakeErrors: NixError[] = [];
  const checkErrors = result.exitCode === 0 ? [] : parseNixErrors(result.stderr);

  if (result.exitCode !== 0) {
    const names = checkErrors.some((e) => e.derivation) ? await checkNames(nix, options.ref, evalArgs) : new Map<string, string>();
    const found = groupErrors(checkErrors, names);
    for (const [host, errs] of found.byHost) {
      const known = hostResults.get(host) ?? { host, status: "broken", errors: [] };
      // The evaluation and the check often report the same error: once is enough.
      const more = errs.map((e) => locate(e, map)).filter((e) => !known.errors.some((k) => k.message === e.message));
      hostResults.set(host, { host, status: "broken", errors: [...known.errors, ...more] });
    }
    for (const [output, errs] of found.byOutput) outputs.push({ output, errors: errs.map((e) => locate(e, map)) });
    const unexplained = checkErrors.length
      ? found.unattributed
      : [{ message: tail(result.stderr) || `nix flake check exited with code ${result.exitCode}`, trace: [], ignored: false }];
    if (!options.keepGoing) runtime.info("keep-going is off: nix flake check stopped at its first error (every host was still evaluated).");
    // An error about nixosConfigurations as a whole is explained by broken hosts, if any were found;
    // one that a broken host's evaluation reported too is that host's.
    const anyBroken = [...hostResults.values()].some((h) => h.status === "broken");
    const hostMessages = new Set([...hostResults.values()].flatMap((h) => h.errors.map((e) => e.message)));
    flakeErrors.push(...unexplained.filter((e) => !(e.output === "nixosConfigurations" && anyBroken) && !hostMessages.has(locate(e, map).message)));
  }
  // Not even the hosts could be listed (no nixosConfigurations, names that are no host names):
  // an error whatever the check said, unless the check already reported the same one.
  const listing = (unlisted ?? []).filter((e) => !checkErrors.some((x) => x.message === e.message));
  if (listing.length) outputs.unshift({ output: "hosts", errors: listing.map((e) => locate(e, map)) });
  if (flakeErrors.length) outputs.unshift({ output: "flake", errors: dedupe(flakeErrors).map((e) => locate(e, map)) });

  const hostList = [...hostResults.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const brokenHosts = hostList.filter((h) => h.status === "broken").map((h) => h.host);
  const report: FlakeCheckReport = {
    flake: options.flake,
    result: brokenHosts.length || outputs.length || unlisted ? "failure" : "success",
    nixVersion: nix.version.text,
    hostsListed: !unlisted,
    hosts: hostList,
    brokenHosts,
    outputs,
    omittedSystems: omittedSystems(result.stderr),
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

function dedupe(errors: NixError[]): NixError[] {
  const seen = new Set<string>();
  return errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
}
