import type { CachePresence } from "../../cache/presence.js";
import { evaluateFleet, selectHosts, type FleetEvaluation } from "../../fleet/evaluate.js";
import { displayUrl } from "../../git/remote-url.js";
import type { Nix } from "../../nix/nix.js";
import { locate, type SourceMap } from "../../nix/source-map.js";
import type { Runtime } from "../../runner/runtime.js";
import { seconds } from "./build-host.js";
import type { BuildMatrixOptions } from "./options.js";
import { evaluationFailure, type HostBuildResult } from "./report.js";

export interface PlanContext {
  options: BuildMatrixOptions;
  nix: Nix;
  checker: CachePresence;
  runtime: Runtime;
  map: SourceMap;
  evalArgs: string[];
  warn: (message: string) => void;
  /** Every host evaluated already (by the gate's flake-check), to plan from without a new evaluation. */
  evaluated?: FleetEvaluation;
}

/**
 * The plan: the fleet's one evaluation of every selected host, then the caches asked which
 * toplevels they already hold. Fills `results` with every host, planned, cached or eval-failed.
 * Throws HostsUnlistedError when not even the hosts can be listed.
 */
export async function planHosts(ctx: PlanContext, results: Map<string, HostBuildResult>): Promise<void> {
  const { options, runtime, warn } = ctx;
  const evalStarted = Date.now();
  const evaluation = ctx.evaluated
    ? selectHosts(ctx.evaluated, options.hosts)
    : await evaluateFleet(ctx.nix, options.ref, options.hosts, { extraArgs: ctx.evalArgs });
  const count = evaluation.hosts.length + evaluation.failed.length;
  runtime.info(
    ctx.evaluated
      ? `Planning ${count} hosts from flake-check's evaluation (no new evaluation): ${evaluation.failed.length} failed.`
      : `Evaluated ${count} hosts in ${seconds(evalStarted)} s (${evaluation.nixCalls} nix evaluation${evaluation.nixCalls === 1 ? "" : "s"}): ${evaluation.failed.length} failed.`,
  );
  for (const f of evaluation.failed) {
    const error = f.errors[0] ? locate(f.errors[0], ctx.map) : { message: "it did not evaluate" };
    const result = evaluationFailure(f.host, error);
    results.set(f.host, result);
    runtime.annotate({ level: "error", title: `host ${f.host} failed to evaluate`, message: error.message, file: result.file, line: result.line, column: result.column });
  }
  for (const h of evaluation.hosts) results.set(h.host, { host: h.host, status: "planned", system: h.system, drv: h.drv, out: h.out, pushed: false });

  // s3:// caches are substituted from, but cannot be asked over HTTP here: say so once, not per host.
  const asked = options.caches.filter((c) => !/^s3:\/\//i.test(c));
  if (asked.length < options.caches.length) {
    runtime.info("s3:// caches are used as substituters but not asked which hosts they hold: no host is skipped for them.");
  }
  if (!options.skipCached || !asked.length || !evaluation.hosts.length) return;
  const checkStarted = Date.now();
  const presence = await ctx.checker.check(
    asked,
    evaluation.hosts.map((h) => h.out),
  );
  const failures = new Map<string, { count: number; message: string }>();
  for (const [i, p] of presence.entries()) {
    const result = results.get((evaluation.hosts[i] as { host: string }).host) as HostBuildResult;
    if (p.cachedIn.length) {
      result.status = "cached";
      result.cachedIn = p.cachedIn.map(displayUrl);
    }
    for (const e of p.errors) failures.set(e.cache, { count: (failures.get(e.cache)?.count ?? 0) + 1, message: e.message });
  }
  // One warning per cache, not per host: a cache that is down would otherwise flood the log.
  for (const [cache, f] of failures) {
    warn(`cache ${displayUrl(cache)} could not be asked about ${f.count} host${f.count === 1 ? "" : "s"} (${f.message}): counted as not cached there.`);
  }
  const cached = [...results.values()].filter((h) => h.status === "cached").length;
  runtime.info(`Asked ${asked.length} cache${asked.length === 1 ? "" : "s"} in ${seconds(checkStarted)} s: ${cached} of ${evaluation.hosts.length} hosts already cached.`);
}
