import { PrivateDir } from "../../runner/private-dir.js";
import { writeStepReport } from "../../runner/report-file.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Cachix, cachixUrl } from "../../cache/cachix.js";
import { displayUrl } from "../../git/remote-url.js";
import { configuredNetrcFile, formatNetrc, parseNetrc, type NetrcEntry } from "../../cache/netrc.js";
import { CachePresence } from "../../cache/presence.js";
import { evalHostToplevel, listHosts } from "../../fleet/hosts.js";
import { evaluateFleet } from "../../fleet/plan.js";
import { Nix, nixErrorMessage } from "../../nix/nix.js";
import { mapConcurrent } from "../../process/concurrency.js";
import { CommandError, tail } from "../../process/run.js";
import { headline, Report } from "../../runner/report.js";
import type { Runtime } from "../../runner/runtime.js";
import { errorKind, type ErrorKind } from "../../runner/user-error.js";
import { askedHosts, checkHostsKnown, type BuildMatrixOptions, type PushTarget } from "./options.js";

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

/**
 * Reading a cache needs the same credentials Nix would use: a Cachix token doubles as the netrc
 * password, for the caches read and for the cache pushed to (to confirm the push, and to read a
 * private one).
 */
export function cacheCredentials(options: BuildMatrixOptions): NetrcEntry[] {
  const entries = [...(options.cacheNetrc ?? [])];
  const token = options.cachixAuthToken;
  if (token) {
    const urls = [...options.caches, ...(options.pushTo?.kind === "cachix" ? [cachixUrl(options.pushTo.name)] : [])];
    for (const cache of urls) {
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

/**
 * nix.conf lines for this run only: the caches, their keys, and the netrc, on top of the user's
 * own. A Cachix push target is substituted from only when its key is given: without it, Nix would
 * ask the cache for every path and then refuse its unsigned-by-a-trusted-key answers.
 */
export function nixConfigFor(options: BuildMatrixOptions, netrcFile: string | undefined): string {
  const lines: string[] = options.nixConfig ? [options.nixConfig] : [];
  const substituters = [...options.caches];
  const target = options.pushTo;
  if (target?.kind === "cachix" && options.cachePublicKeys.some((k) => k.startsWith(`${target.name}.cachix.org-`))) {
    const url = cachixUrl(target.name);
    if (!substituters.includes(url)) substituters.push(url);
  }
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

/** Binary-cache stores sign what they write when given `secret-key`: nothing in the local store is signed. */
const SIGNS_ON_WRITE = /^(file|https?|s3):\/\//i;

/**
 * The store URI `nix copy` pushes to. A binary cache (file, http(s), s3) signs each path as it is
 * written, with the key FILE named in the URI (the key itself never reaches argv). Signing the
 * local store instead (`nix store sign`) needs a trusted user on a daemon install.
 */
export function pushStoreUri(uri: string, keyFile: string | undefined): string {
  if (!keyFile || !SIGNS_ON_WRITE.test(uri)) return uri;
  const [base, fragment] = uri.split("#", 2);
  return `${base}${base?.includes("?") ? "&" : "?"}secret-key=${keyFile}${fragment === undefined ? "" : `#${fragment}`}`;
}

/** Lines in which a Nix daemon says it ignored this run's caches or netrc for an untrusted user. */
const UNTRUSTED_SETTING = /ignoring untrusted substituter|ignoring the client-specified setting|is a restricted setting|not a trusted user/i;

export function ignoredSettingNotice(line: string): boolean {
  return UNTRUSTED_SETTING.test(line);
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** The most lines of one host's log held in memory while hosts build side by side. */
const LOG_LINES_KEPT = 2000;

/** The last lines of a log, and how many came before them. */
class LogBuffer {
  private readonly lines: string[] = [];
  private dropped = 0;

  constructor(private readonly limit = LOG_LINES_KEPT) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) {
      this.lines.shift();
      this.dropped++;
    }
  }

  text(): string {
    const head = this.dropped ? `[${this.dropped} earlier lines left out]\n` : "";
    return head + this.lines.join("\n");
  }

  tail(count: number): string {
    return this.lines.slice(-count).join("\n");
  }
}

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

/**
 * The netrc Nix would read without this run (`netrc-file`, default `<conf dir>/netrc`): its
 * machines are kept, since this run's own netrc-file replaces it (private flake inputs need it).
 */
async function userNetrc(runtime: Runtime, warn: (message: string) => void, nixConfig: string | undefined): Promise<NetrcEntry[]> {
  const confDir = process.env.NIX_CONF_DIR || "/etc/nix";
  const nixConf = await readFile(join(confDir, "nix.conf"), "utf8").catch(() => undefined);
  // The nix-config input comes after NIX_CONFIG, as in the run's own configuration.
  const file = configuredNetrcFile([process.env.NIX_CONFIG, nixConfig].filter(Boolean).join("\n") || undefined, nixConf, confDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") warn(`the netrc file ${file} cannot be read (${code ?? "error"}): Nix will not use its credentials in this run.`);
    return [];
  }
  const entries = parseNetrc(text);
  for (const entry of entries) if (entry.password) runtime.setSecret(entry.password);
  return entries;
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

  // A host named that the flake lacks is a mistake in the inputs: said before anything is built. A
  // flake whose hosts cannot be listed is left to the evaluation below, which reports why.
  if (askedHosts(options).hosts.length) {
    const known = await listHosts(nix, options.ref).catch(() => undefined);
    if (known) checkHostsKnown(options, known);
  }
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
    // One host at a time: its log can be shown as it comes. Side by side, logs would interleave.
    const live = options.maxParallel === 1 || planned.length === 1;
    if (planned.length) runtime.info(`Building ${planned.length} host${planned.length === 1 ? "" : "s"}, ${Math.min(options.maxParallel, planned.length)} at a time.`);
    await mapConcurrent(planned, options.maxParallel, (result) => buildHost(result, { options, nix, runtime, checker, cachix, keyFile, warn, live }));
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
    result: hosts.some((h) => h.status === "failed" || h.status === "eval-failed") ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts,
    matrix,
    warnings,
    seconds: seconds(started),
  };
  runtime.report(renderReport(report));
  runtime.setOutput("report", await writeStepReport(options.reportDir, "build-matrix", report, options.reportPath));
  return report;
}

/** GitHub's limit on the jobs one matrix may generate. */
const MAX_MATRIX_JOBS = 256;

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

  // s3:// caches are substituted from, but cannot be asked over HTTP here: say so once, not per host.
  const asked = options.caches.filter((c) => !/^s3:\/\//i.test(c));
  if (asked.length < options.caches.length) {
    runtime.info("s3:// caches are used as substituters but not asked which hosts they hold: no host is skipped for them.");
  }
  if (!options.skipCached || !asked.length || !evaluation.hosts.length) return;
  const checkStarted = Date.now();
  const presence = await checker.check(
    asked,
    evaluation.hosts.map((h) => h.out),
  );
  const failures = new Map<string, { count: number; message: string }>();
  for (const [i, p] of presence.entries()) {
    const result = results.get((evaluation.hosts[i] as { host: string }).host) as HostResult;
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

interface BuildContext {
  options: BuildMatrixOptions;
  nix: Nix;
  runtime: Runtime;
  checker: CachePresence;
  cachix: Cachix;
  keyFile?: string;
  warn: (message: string) => void;
  /** Show each log line as it comes (one host building), rather than the whole log when the host is done. */
  live: boolean;
}

/**
 * Builds one host, measures its closure, pushes it; records everything in `result`, never throws.
 * The plan's derivation is built as it is: no second evaluation. Mode build has no plan in this
 * job: the host is evaluated first, so that an evaluation error is reported as one.
 */
async function buildHost(result: HostResult, ctx: BuildContext): Promise<void> {
  const { options, nix, runtime } = ctx;
  const started = Date.now();
  const log = new LogBuffer();
  const onLine = (line: string) => {
    log.push(line);
    if (ctx.live) runtime.untrusted(line);
    if (ignoredSettingNotice(line)) {
      ctx.warn(`Nix ignored some of this run's settings (caches, keys or netrc) because the runner's user is not a trusted user of the Nix daemon: "${line.trim()}". Add the user to trusted-users, or set the caches in the daemon's nix.conf.`);
    }
  };
  let stage: "evaluation" | "build" | "push" = "build";
  const attempt = async () => {
    try {
      if (!result.drv) {
        stage = "evaluation";
        const toplevel = await evalHostToplevel(nix, options.ref, result.host);
        Object.assign(result, toplevel);
        stage = "build";
      }
      const built = await nix.buildDerivation(result.drv as string, ["--print-build-logs"], { onStderrLine: onLine });
      const out = built.outputs.out;
      if (!out) throw new Error(`nix build printed no output path for ${result.host}`);
      if (result.out && out !== result.out) ctx.warn(`${result.host}: built ${out}, but the plan had ${result.out}`);
      result.out = out;
      result.status = "built";
      try {
        const [info] = await nix.pathInfo([out], { closureSize: true });
        result.closureBytes = info?.closureSize;
      } catch (error) {
        ctx.warn(`${result.host}: could not measure the closure of ${out}: ${nixErrorMessage(error)}`);
      }
      if (options.pushTo) {
        stage = "push";
        await push(options.pushTo, out, ctx, onLine);
        result.status = "pushed";
        result.pushed = true;
      }
    } catch (error) {
      result.status = stage === "evaluation" ? "eval-failed" : "failed";
      result.error = stage === "push" ? `push failed: ${nixErrorMessage(error)}` : nixErrorMessage(error);
      result.errorKind = errorKind(error);
      result.logTail = tail(error instanceof CommandError ? error.stderr : log.tail(FAILED_TAIL_LINES) || String(error), FAILED_TAIL_LINES);
    }
    result.seconds = seconds(started);
  };

  if (ctx.live) await runtime.group(`${result.host}: building`, attempt);
  else await attempt();
  const size = result.closureBytes === undefined ? "" : `, closure ${formatBytes(result.closureBytes)}`;
  const line = `${result.host}: ${result.status} in ${result.seconds} s${size}`;
  runtime.info(line);
  const text = log.text();
  if (!ctx.live && text) await runtime.group(`${result.host}: log`, async () => runtime.untrusted(text));
  if (result.status === "failed" || result.status === "eval-failed") {
    const title = result.status === "eval-failed" ? `host ${result.host} failed to evaluate` : `host ${result.host} failed`;
    runtime.annotate({ level: "error", title, message: result.error ?? "" });
    runtime.info(`${result.host}: last lines of the ${stage}:`);
    runtime.untrusted(result.logTail ?? "");
  }
}

/** How often, and how long apart, a push is looked for before it counts as lost: a cache may list it a moment late. */
const CONFIRM_ATTEMPTS = 3;
const CONFIRM_DELAY_MS = 300;

async function push(target: PushTarget, out: string, ctx: BuildContext, onStderrLine: (line: string) => void): Promise<void> {
  const { nix, options, checker } = ctx;
  if (target.kind === "cachix") {
    await ctx.cachix.push(target.name, [out], { authToken: options.cachixAuthToken as string, signingKey: options.signingKey }, onStderrLine);
  } else {
    const remote = /^ssh(-ng)?:\/\//.test(target.uri);
    // A remote store takes only signed paths from an untrusted ssh user: they must be signed here,
    // in the local store. Binary caches sign as they write (pushStoreUri).
    if (ctx.keyFile && remote) {
      try {
        await nix.signClosure(ctx.keyFile, [out]);
      } catch (error) {
        throw new Error(
          `signing ${out} in the local store failed: ${nixErrorMessage(error)}. The runner's Nix user must be in trusted-users to sign, or push as a trusted ssh user without signing-key.`,
        );
      }
    }
    await nix.copyTo(pushStoreUri(target.uri, ctx.keyFile), [out], { onStderrLine, noCheckSigs: remote && !ctx.keyFile });
  }
  const url = confirmUrl(target);
  if (!url) return;
  for (let attempt = 1; ; attempt++) {
    const presence = await checker.presence(url, out);
    if (presence.state === "present") return;
    if (presence.state === "error") {
      ctx.warn(`could not confirm the push of ${out} to ${displayUrl(url)}: ${presence.message}`);
      return;
    }
    if (attempt === CONFIRM_ATTEMPTS) throw new Error(`${displayUrl(url)} does not list ${out} after the push`);
    await new Promise((r) => setTimeout(r, CONFIRM_DELAY_MS));
  }
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
