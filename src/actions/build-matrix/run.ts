import { Cachix } from "../../cache/cachix.js";
import { formatNetrc } from "../../cache/netrc.js";
import { CachePresence } from "../../cache/presence.js";
import { HostsUnlistedError, type FleetEvaluation } from "../../fleet/evaluate.js";
import { listHosts } from "../../fleet/hosts.js";
import { buildArgs, evaluationArgs, lockArgs } from "../../nix/extra-args.js";
import { Nix } from "../../nix/nix.js";
import { locate, sourceMapFor } from "../../nix/source-map.js";
import { mapConcurrent } from "../../process/concurrency.js";
import { PrivateDir } from "../../runner/private-dir.js";
import { writeStepReport } from "../../runner/report-file.js";
import type { Runtime } from "../../runner/runtime.js";
import { buildHost, seconds } from "./build-host.js";
import { cacheCredentials, nixConfigFor, runSubstituters, userNetrc } from "./caches.js";
import { askedHosts, checkHostsKnown, type BuildMatrixOptions } from "./options.js";
import { planHosts } from "./plan-hosts.js";
import { renderReport, type BuildMatrixReport, type HostBuildResult } from "./report.js";

export { cacheCredentials, nixConfigFor } from "./caches.js";
export { ignoredSettingNotice } from "./build-host.js";
export { confirmUrl, pushStoreUri } from "./push.js";
export { failureMessage, formatBytes, renderReport, type BuildMatrixReport, type HostBuildResult } from "./report.js";

export interface BuildMatrixDeps {
  runtime: Runtime;
  nix?: Nix;
  cachix?: Cachix;
  /**
   * Every host already evaluated with the same flake and evaluation flags (the gate's
   * flake-check): the plan takes its hosts from it instead of evaluating them again.
   */
  evaluation?: FleetEvaluation;
}

/** GitHub's limit on the jobs one matrix may generate. */
const MAX_MATRIX_JOBS = 256;

/**
 * Plans, builds and pushes a fleet's hosts. `plan`: one evaluation of every selected host, the
 * caches asked which toplevels they already hold, and the rest set out as a job matrix. `build`:
 * one host of that matrix. `all`: plan, then build every uncached host's planned derivation here,
 * `maxParallel` at a time. No host's failure stops or hides another's: every host is attempted and
 * reported, and the step fails at the end naming each broken one.
 */
export async function runBuildMatrix(options: BuildMatrixOptions, deps: BuildMatrixDeps): Promise<BuildMatrixReport> {
  const { runtime } = deps;
  const started = Date.now();
  // The netrc text was masked whole and line by line; a password alone could still show up in a message.
  for (const entry of cacheCredentials(options)) if (entry.password) runtime.setSecret(entry.password);
  const privateDir = await PrivateDir.create(runtime, options.tempRoot);
  const checker = new CachePresence({ ...options.cacheCheck, netrc: cacheCredentials(options) });
  try {
    return await runInside(options, deps, privateDir, checker, started);
  } finally {
    checker.close();
    await privateDir.close();
  }
}

async function runInside(
  options: BuildMatrixOptions,
  deps: BuildMatrixDeps,
  privateDir: PrivateDir,
  checker: CachePresence,
  started: number,
): Promise<BuildMatrixReport> {
  const { runtime } = deps;
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    runtime.warning(message);
  };

  const credentials = cacheCredentials(options);
  let netrcFile: string | undefined;
  if (credentials.length) {
    // Ours first: curl takes the first entry for a machine. The user's others are kept after them.
    const own = (await userNetrc(runtime, warn, options.nixConfig)).filter((u) => !credentials.some((c) => c.machine === u.machine));
    netrcFile = await privateDir.writeSecret("netrc", formatNetrc([...credentials, ...own]));
  }
  const nix = deps.nix ?? (await Nix.create({ extraConfig: nixConfigFor(options, netrcFile) }));
  runtime.info(`build-matrix (${options.mode}) on '${options.flake}' with ${nix.version.text}`);
  const evalArgs = evaluationArgs(options.extraArgs);
  const map = await sourceMapFor(nix, options, lockArgs(options.extraArgs));

  // A host named that the flake lacks is a mistake in the inputs: said before anything is built. A
  // flake whose hosts cannot be listed is left to the evaluation below, which reports why.
  // The gate's evaluation already knows every host: no listing of our own then.
  if (askedHosts(options).hosts.length) {
    const known = deps.evaluation
      ? [...deps.evaluation.hosts, ...deps.evaluation.failed].map((h) => h.host).sort()
      : await listHosts(nix, options.ref, evalArgs).catch(() => undefined);
    if (known) checkHostsKnown(options, known);
  }
  const results = new Map<string, HostBuildResult>();
  let listing: BuildMatrixReport["listing"];
  if (options.mode === "build") {
    const host = options.host as string;
    results.set(host, { host, status: "planned", pushed: false });
  } else {
    try {
      await planHosts({ options, nix, checker, runtime, map, evalArgs, warn, evaluated: deps.evaluation }, results);
    } catch (error) {
      if (!(error instanceof HostsUnlistedError)) throw error;
      listing = locate(error.errors[0] ?? { message: error.message, trace: [], ignored: false }, map);
      runtime.annotate({ level: "error", title: "the hosts could not be listed", message: listing.message, file: listing.file, line: listing.line, column: listing.column });
    }
  }
  const planned = [...results.values()].filter((h) => h.status === "planned");
  const matrix = {
    include: planned.filter((h) => h.drv).map((h) => ({ host: h.host, system: h.system ?? "", drv: h.drv ?? "", out: h.out ?? "" })),
  };
  if (options.mode !== "build") {
    if (matrix.include.length > MAX_MATRIX_JOBS) {
      warn(`the matrix has ${matrix.include.length} hosts, more than the ${MAX_MATRIX_JOBS} jobs GitHub allows in one matrix: split the fleet with 'hosts', or build with mode 'all'.`);
    }
    runtime.setOutput("matrix", JSON.stringify(matrix));
    runtime.setOutput("hosts", JSON.stringify(matrix.include.map((e) => e.host)));
    runtime.setOutput("cached", JSON.stringify([...results.values()].filter((h) => h.status === "cached").map((h) => h.host)));
    runtime.setOutput("empty", String(matrix.include.length === 0));
  }

  if (options.mode !== "plan") {
    let keyFile: string | undefined;
    if (options.signingKey && options.pushTo?.kind === "store") {
      keyFile = await privateDir.writeSecret("signing-key", `${options.signingKey}\n`);
    }
    const cachix = deps.cachix ?? new Cachix();
    const parallel = Math.min(options.maxParallel, planned.length);
    if (parallel > 1) {
      const pushedTo = options.pushTo?.kind === "store" ? [options.pushTo.uri] : [];
      await registerCaches(nix, [...runSubstituters(options), ...pushedTo]);
    }
    // One host at a time: its log can be shown as it comes. Side by side, logs would interleave.
    const live = parallel <= 1;
    if (planned.length) runtime.info(`Building ${planned.length} host${planned.length === 1 ? "" : "s"}, ${parallel} at a time.`);
    const ctx = {
      options,
      nix,
      runtime,
      checker,
      cachix,
      cachixAuthToken: options.cachixAuthToken,
      signingKey: options.signingKey,
      keyFile,
      warn,
      live,
      map,
      evalArgs,
      buildArgs: buildArgs(options.extraArgs),
    };
    await mapConcurrent(planned, options.maxParallel, (result) => buildHost(result, ctx));
    const built = [...results.values()].filter((h) => h.out && (h.status === "built" || h.status === "pushed"));
    runtime.setOutput("out-paths", JSON.stringify(Object.fromEntries(built.map((h) => [h.host, h.out]))));
    runtime.setOutput(
      "results",
      JSON.stringify(
        Object.fromEntries(
          [...results.values()].map((h) => [h.host, { status: h.status, seconds: h.seconds ?? 0, closureBytes: h.closureBytes ?? null, pushed: h.pushed }]),
        ),
      ),
    );
  }

  const hosts = [...results.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const report: BuildMatrixReport = {
    mode: options.mode,
    flake: options.flake,
    result: listing || hosts.some((h) => h.status === "failed" || h.status === "eval-failed") ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts,
    matrix,
    warnings,
    seconds: seconds(started),
  };
  if (listing) report.listing = listing;
  runtime.report(renderReport(report));
  runtime.setOutput("report", await writeStepReport(options.reportDir, "build-matrix", report, options.reportPath));
  return report;
}

/**
 * Nix 2.8 registers an http(s) cache in ~/.cache/nix/binary-cache-v6.sqlite the first time it
 * opens it, and two `nix build`s doing that at once race: one fails a healthy host with
 * "executing SQLite statement ... constraint failed" (REFERENCE.md). Opening each cache once,
 * serially, before the parallel builds registers it, so that the builds (and `nix copy` to an
 * http(s) push target, which registers it the same way) only read the row.
 * A cache that cannot be opened is left to the builds to report.
 */
async function registerCaches(nix: Nix, substituters: readonly string[]): Promise<void> {
  for (const cache of substituters.filter((c) => /^https?:\/\//i.test(c))) await nix.tryOpenStore(cache);
}
