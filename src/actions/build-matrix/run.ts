import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Cachix, cachixUrl } from "../../cache/cachix.js";
import { formatNetrc, type NetrcEntry } from "../../cache/netrc.js";
import { CachePresence } from "../../cache/presence.js";
import { hostInstallable } from "../../fleet/hosts.js";
import { evaluateFleet } from "../../fleet/plan.js";
import { Nix, NixCommandError } from "../../nix/nix.js";
import { mapConcurrent } from "../../process/concurrency.js";
import { tail } from "../../process/run.js";
import { Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import type { BuildMatrixOptions, PushTarget } from "./options.js";
import { PRIVATE_DIR_STATE } from "./state.js";

export type HostStatus = "planned" | "cached" | "built" | "pushed" | "failed" | "eval-failed";

export interface HostResult {
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
  hosts: HostResult[];
  matrix: { include: MatrixEntry[] };
  warnings: string[];
  seconds: number;
}

export interface BuildMatrixDeps {
  runtime: Runtime;
  nix?: Nix;
  cachix?: Cachix;
}

const FAILED_TAIL_LINES = 25;

/** Reading a cache needs the same credentials Nix would use: a Cachix token doubles as the netrc password. */
export function cacheCredentials(options: BuildMatrixOptions): NetrcEntry[] {
  const entries = [...(options.cacheNetrc ?? [])];
  const token = options.cachixAuthToken;
  if (token) {
    for (const cache of options.caches) {
      const hostname = safeHostname(cache);
      if (hostname?.endsWith(".cachix.org") && !entries.some((e) => e.machine === hostname)) {
        entries.push({ machine: hostname, login: "", password: token });
      }
    }
  }
  return entries;
}

function safeHostname(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** nix.conf lines for this run only: the caches, their keys, and the netrc, on top of the user's own. */
export function nixConfigFor(options: BuildMatrixOptions, netrcFile: string | undefined): string {
  const lines: string[] = [];
  const substituters = [...options.caches];
  if (options.pushTo?.kind === "cachix") substituters.push(cachixUrl(options.pushTo.name));
  if (substituters.length) lines.push(`extra-substituters = ${substituters.join(" ")}`);
  if (options.cachePublicKeys.length) lines.push(`extra-trusted-public-keys = ${options.cachePublicKeys.join(" ")}`);
  if (netrcFile) lines.push(`netrc-file = ${netrcFile}`);
  return lines.join("\n");
}

/** The URL to confirm a push at: where the pushed-to cache can be read, if it can be read over HTTP or from disk. */
export function confirmUrl(target: PushTarget): string | undefined {
  if (target.kind === "cachix") return cachixUrl(target.name);
  return /^(https?|file):\/\//.test(target.uri) ? target.uri : undefined;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

function messageOf(error: unknown): string {
  if (error instanceof NixCommandError && error.errors[0]) return error.errors[0].message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Plans, builds and pushes a fleet's hosts. `plan`: one evaluation of every selected host, the
 * caches asked which toplevels they already hold, and the rest set out as a job matrix. `build`:
 * one host of that matrix. `all`: plan, then build every uncached host here, `maxParallel` at a
 * time. No host's failure stops or hides another's: every host is attempted and reported, and the
 * step fails at the end naming each broken one.
 */
export async function runBuildMatrix(options: BuildMatrixOptions, deps: BuildMatrixDeps): Promise<BuildMatrixReport> {
  const { runtime } = deps;
  const started = Date.now();
  // The netrc text was masked whole and line by line; a password alone could still show up in a message.
  for (const entry of cacheCredentials(options)) if (entry.password) runtime.setSecret(entry.password);
  await mkdir(options.tempRoot, { recursive: true });
  const privateDir = await mkdtemp(join(options.tempRoot, "nix-fleet-build-matrix-"));
  runtime.saveState(PRIVATE_DIR_STATE, privateDir);
  const checker = new CachePresence({ ...options.cacheCheck, netrc: cacheCredentials(options) });
  try {
    return await runInside(options, deps, privateDir, checker, started);
  } finally {
    checker.close();
    await rm(privateDir, { recursive: true, force: true });
  }
}

async function runInside(
  options: BuildMatrixOptions,
  deps: BuildMatrixDeps,
  privateDir: string,
  checker: CachePresence,
  started: number,
): Promise<BuildMatrixReport> {
  const { runtime } = deps;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    runtime.warning(message);
  };

  const credentials = cacheCredentials(options);
  let netrcFile: string | undefined;
  if (credentials.length) {
    netrcFile = join(privateDir, "netrc");
    await writeFile(netrcFile, formatNetrc(credentials), { mode: 0o600 });
  }
  const nix = deps.nix ?? (await Nix.create({ extraConfig: nixConfigFor(options, netrcFile) }));
  runtime.info(`build-matrix (${options.mode}) on '${options.flake}' with ${nix.version.text}`);

  const results = new Map<string, HostResult>();
  if (options.mode === "build") {
    const host = options.host as string;
    results.set(host, { host, status: "planned", pushed: false });
  } else {
    await plan(options, nix, checker, runtime, results, warn);
  }
  const planned = [...results.values()].filter((h) => h.status === "planned");
  const matrix = {
    include: planned.filter((h) => h.drv).map((h) => ({ host: h.host, system: h.system ?? "", drv: h.drv ?? "", out: h.out ?? "" })),
  };
  if (options.mode !== "build") {
    runtime.setOutput("matrix", JSON.stringify(matrix));
    runtime.setOutput("hosts", JSON.stringify(matrix.include.map((e) => e.host)));
    runtime.setOutput("cached", JSON.stringify([...results.values()].filter((h) => h.status === "cached").map((h) => h.host)));
    runtime.setOutput("empty", String(matrix.include.length === 0));
  }

  if (options.mode !== "plan") {
    let keyFile: string | undefined;
    if (options.signingKey && options.pushTo?.kind === "store") {
      keyFile = join(privateDir, "signing-key");
      await writeFile(keyFile, `${options.signingKey}\n`, { mode: 0o600 });
    }
    const cachix = deps.cachix ?? new Cachix();
    if (planned.length) runtime.info(`Building ${planned.length} host${planned.length === 1 ? "" : "s"}, ${options.maxParallel} at a time.`);
    await mapConcurrent(planned, options.maxParallel, (result) => buildHost(result, { options, nix, runtime, checker, cachix, keyFile, warn }));
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

  const hosts = [...results.values()].sort((a, b) => a.host.localeCompare(b.host));
  const report: BuildMatrixReport = {
    mode: options.mode,
    flake: options.flake,
    result: hosts.some((h) => h.status === "failed" || h.status === "eval-failed") ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts,
    matrix,
    warnings,
    seconds: seconds(started),
  };
  runtime.report(renderReport(report));
  await mkdir(dirname(options.reportPath), { recursive: true });
  await writeFile(options.reportPath, JSON.stringify(report, null, 2) + "\n");
  runtime.setOutput("report", options.reportPath);
  return report;
}

async function plan(
  options: BuildMatrixOptions,
  nix: Nix,
  checker: CachePresence,
  runtime: Runtime,
  results: Map<string, HostResult>,
  warn: (message: string) => void,
): Promise<void> {
  const evalStarted = Date.now();
  const evaluation = await runtime.group("Evaluating hosts", () =>
    evaluateFleet(nix, options.ref, options.hosts, {
      onHost: (host, ok, s) => runtime.info(`  ${host}: ${ok ? "evaluated" : "failed to evaluate"} (${s.toFixed(1)} s)`),
    }),
  );
  if (evaluation.isolated) runtime.info("The one evaluation of all hosts failed: evaluated each host on its own instead.");
  runtime.info(`Evaluated ${evaluation.hosts.length + evaluation.failed.length} hosts in ${seconds(evalStarted)} s.`);
  for (const f of evaluation.failed) {
    results.set(f.host, { host: f.host, status: "eval-failed", pushed: false, error: f.message });
    runtime.annotate({ level: "error", title: `host ${f.host} failed to evaluate`, message: f.message });
  }
  for (const h of evaluation.hosts) results.set(h.host, { host: h.host, status: "planned", system: h.system, drv: h.drv, out: h.out, pushed: false });

  if (!options.skipCached || !options.caches.length || !evaluation.hosts.length) return;
  const checkStarted = Date.now();
  const presence = await checker.check(
    options.caches,
    evaluation.hosts.map((h) => h.out),
  );
  const failures = new Map<string, { count: number; message: string }>();
  for (const [i, p] of presence.entries()) {
    const result = results.get((evaluation.hosts[i] as { host: string }).host) as HostResult;
    if (p.cachedIn.length) {
      result.status = "cached";
      result.cachedIn = p.cachedIn;
    }
    for (const e of p.errors) failures.set(e.cache, { count: (failures.get(e.cache)?.count ?? 0) + 1, message: e.message });
  }
  // One warning per cache, not per host: a cache that is down would otherwise flood the log.
  for (const [cache, f] of failures) {
    warn(`cache ${cache} could not be asked about ${f.count} host${f.count === 1 ? "" : "s"} (${f.message}): counted as not cached there.`);
  }
  const cached = [...results.values()].filter((h) => h.status === "cached").length;
  runtime.info(`Asked ${options.caches.length} cache${options.caches.length === 1 ? "" : "s"} in ${seconds(checkStarted)} s: ${cached} of ${evaluation.hosts.length} hosts already cached.`);
}

interface BuildContext {
  options: BuildMatrixOptions;
  nix: Nix;
  runtime: Runtime;
  checker: CachePresence;
  cachix: Cachix;
  keyFile?: string;
  warn: (message: string) => void;
}

/** Builds one host, measures its closure, pushes it; records everything in `result`, never throws. */
async function buildHost(result: HostResult, ctx: BuildContext): Promise<void> {
  const { options, nix, runtime } = ctx;
  const started = Date.now();
  // Hosts build in parallel: each host's log is kept and printed as one group when it is done.
  const lines: string[] = [];
  let stage = "build";
  try {
    const installable = hostInstallable(options.ref, result.host, "config.system.build.toplevel");
    // Hosts building at once would fight over the eval cache's SQLite database ("is busy").
    const args = ["--print-build-logs", ...(options.maxParallel > 1 && options.mode === "all" ? ["--no-eval-cache"] : [])];
    const [built] = await nix.build([installable], args, { onStderrLine: (line) => lines.push(line) });
    const out = built?.outputs.out;
    if (!built || !out) throw new Error(`nix build printed no output path for ${result.host}`);
    if (result.drv && built.drvPath !== result.drv) {
      ctx.warn(`${result.host}: built ${built.drvPath}, but the plan had ${result.drv} (did the flake change between plan and build?)`);
    }
    result.drv = built.drvPath;
    result.out = out;
    result.status = "built";
    const [info] = await nix.pathInfo([out], { closureSize: true });
    result.closureBytes = info?.closureSize;
    if (options.pushTo) {
      stage = "push";
      await push(options.pushTo, out, ctx, lines);
      result.status = "pushed";
      result.pushed = true;
    }
  } catch (error) {
    result.status = "failed";
    result.error = stage === "push" ? `push failed: ${messageOf(error)}` : messageOf(error);
    result.logTail = tail(error instanceof NixCommandError ? error.stderr : lines.join("\n") || String(error), FAILED_TAIL_LINES);
  }
  result.seconds = seconds(started);
  const size = result.closureBytes === undefined ? "" : `, closure ${formatBytes(result.closureBytes)}`;
  await runtime.group(`${result.host}: ${result.status} in ${result.seconds} s${size}`, async () => {
    for (const line of lines) runtime.info(line);
  });
  if (result.status === "failed") {
    runtime.annotate({ level: "error", title: `host ${result.host} failed`, message: result.error ?? "" });
    runtime.info(`${result.host}: last lines of the ${stage}:\n${result.logTail}`);
  }
}

async function push(target: PushTarget, out: string, ctx: BuildContext, lines: string[]): Promise<void> {
  const { nix, options, checker } = ctx;
  const onStderrLine = (line: string) => lines.push(line);
  if (target.kind === "cachix") {
    await ctx.cachix.push(target.name, [out], options.cachixAuthToken as string, onStderrLine);
  } else {
    // Signed, the paths are accepted by a receiving daemon (Harmonia's host) from an untrusted
    // user whose Nix trusts the key. Unsigned, only a trusted ssh user can take them, and only
    // when told not to check signatures, which locally built paths never have.
    if (ctx.keyFile) await nix.signClosure(ctx.keyFile, [out]);
    const remote = /^ssh(-ng)?:\/\//.test(target.uri);
    await nix.copyTo(target.uri, [out], { onStderrLine, noCheckSigs: remote && !ctx.keyFile });
  }
  const url = confirmUrl(target);
  if (!url) return;
  const presence = await checker.presence(url, out);
  if (presence.state === "absent") throw new Error(`${url} does not list ${out} after the push`);
  if (presence.state === "error") ctx.warn(`could not confirm the push of ${out} to ${url}: ${presence.message}`);
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

function headline(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}

export function renderReport(report: BuildMatrixReport): Report {
  const failed = report.hosts.filter((h) => h.status === "failed" || h.status === "eval-failed");
  const r = new Report(`build-matrix (${report.mode}): ${failed.length ? `${failed.length} host${failed.length === 1 ? "" : "s"} failed` : "all hosts good"}`);
  const count = (s: HostStatus) => report.hosts.filter((h) => h.status === s).length;
  const parts = (["cached", "planned", "built", "pushed", "failed", "eval-failed"] as HostStatus[])
    .filter((s) => count(s))
    .map((s) => `${count(s)} ${s === "planned" ? "to build" : s}`);
  r.paragraph(`${report.hosts.length} hosts in ${report.seconds} s with ${report.nixVersion}: ${parts.join(", ") || "none"}.`);
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Time", "Closure", "Detail"],
      report.hosts.map((h) => [
        h.host,
        STATUS_TEXT[h.status],
        h.seconds === undefined ? "" : `${h.seconds} s`,
        h.closureBytes === undefined ? "" : formatBytes(h.closureBytes),
        h.error ? headline(h.error) : h.status === "cached" ? `in ${(h.cachedIn ?? []).join(", ")}` : (h.out ?? ""),
      ]),
    );
  }
  if (report.warnings.length) {
    r.heading("Warnings");
    r.list(report.warnings);
  }
  for (const h of failed) {
    const detail = h.logTail || h.error;
    if (detail && (detail.includes("\n") || h.logTail)) r.code(`${h.host}: ${h.status}`, detail);
  }
  return r;
}

/** The message a failed step ends with: every bad host by name. */
export function failureMessage(report: BuildMatrixReport): string {
  const evalFailed = report.hosts.filter((h) => h.status === "eval-failed").map((h) => h.host);
  const failed = report.hosts.filter((h) => h.status === "failed").map((h) => h.host);
  const parts: string[] = [];
  if (evalFailed.length) parts.push(`failed to evaluate: ${evalFailed.join(", ")}`);
  if (failed.length) parts.push(`failed to build or push: ${failed.join(", ")}`);
  return `${evalFailed.length + failed.length} of ${report.hosts.length} hosts failed (${parts.join("; ")})`;
}
