import { readFile } from "node:fs/promises";
import { CommandError, run, type RunOptions, type RunResult } from "../process/run.js";
import { parseJsonReport, ReportFormatError, type Finding } from "./findings.js";

/**
 * gitleaks' exit code for leaks: anything else but 0 is an error (1 error, 126 unknown flag, 2 a
 * Go panic).
 */
export const LEAKS_EXIT_CODE = 42;

export interface GitleaksVersion {
  /** e.g. "8.24.3", or "unknown" for builds without one (Debian prints "version is set by build process"). */
  text: string;
  parts?: [number, number, number];
  /** v8.19 renamed `detect` to `git`; older versions only know `detect`. */
  command: "detect" | "git";
}

export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /\bv?(\d+)\.(\d+)\.(\d+)\b/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function commandList(help: string): string {
  return /Available Commands:\n([\s\S]*?)\n\n/.exec(help)?.[1] ?? "";
}

function hasScanCommand(help: string): boolean {
  return /^\s+(git|detect)\s/m.test(commandList(help));
}

/** The scan command for a version; without one, the command list in `--help` decides. */
export function chooseCommand(parts: [number, number, number] | undefined, help: string): "detect" | "git" {
  if (parts) return parts[0] > 8 || (parts[0] === 8 && parts[1] >= 19) ? "git" : "detect";
  return /^\s+git\s/m.test(commandList(help)) ? "git" : "detect";
}

export interface GitleaksScanOptions {
  /** The repository's work tree; gitleaks reads .gitleaks.toml and .gitleaksignore from it. */
  source: string;
  /**
   * The repository, when `source` is another directory: a pull request's own work tree is not
   * trusted for the config and ignore files, so gitleaks gets a directory holding the base's.
   */
  gitDir?: string;
  /** gitleaks' --log-opts, already validated (see logOpts in range.ts). */
  logOpts: string;
  config?: string;
  baseline?: string;
  /** Where gitleaks writes its JSON report; the caller removes it. */
  reportPath: string;
  /** gitleaks is stopped after this long and the scan fails. */
  timeoutMs?: number;
  onStderrLine?: (line: string) => void;
}

export interface GitleaksScan {
  findings: Finding[];
  command: string[];
  /** gitleaks' own count from its log ("N commits scanned"), when it printed one. */
  commitsScanned?: number;
}

// gitleaks 8.16 colours its log even into a pipe, NO_COLOR or not.
// eslint-disable-next-line no-control-regex -- matching terminal escape codes is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** gitleaks' log without its colour codes, fit for a log, summary or report. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/**
 * gitleaks failed (exit 1, 126, a crash, a timeout, or an unreadable report): never to be taken as
 * "no findings". Its message names the command only as `gitleaks <command>` (the full argv holds
 * scratch paths and git arguments that mean nothing to the reader) and carries stderr's tail
 * without colour codes.
 */
export class GitleaksError extends CommandError {
  constructor(command: string[], exitCode: number | null, stderr: string, reason: string) {
    super(["gitleaks", command[1] ?? ""], exitCode, stripAnsi(stderr), reason);
    this.name = "GitleaksError";
  }
}

/** gitleaks, reached through one exec function. */
export class Gitleaks {
  private constructor(
    readonly binary: string,
    readonly version: GitleaksVersion,
    /** What the binary itself says it is; undefined when it prints no version. */
    readonly reportedVersion: string | undefined,
  ) {}

  /** `knownVersion`: the release it was installed from, taken when the binary prints no version. */
  static async create(binary: string, knownVersion?: string): Promise<Gitleaks> {
    const probe = await exec(binary, ["version"]);
    const reported = parseVersion(probe.stdout);
    if (reported && reported[0] < 8) {
      throw new Error(`${binary} is gitleaks ${reported.join(".")}: version 8 or newer is needed. Set gitleaks-path to gitleaks 8, or gitleaks-version to have one installed.`);
    }
    const parts = reported ?? (knownVersion ? parseVersion(knownVersion) : undefined);
    const help = parts ? "" : (await exec(binary, ["--help"])).stdout;
    if (!parts && !hasScanCommand(help)) {
      throw new Error(`${binary} prints no version and its --help lists neither 'detect' nor 'git': it is not gitleaks 8 or newer.`);
    }
    const text = parts ? parts.join(".") : "unknown";
    return new Gitleaks(binary, { text, parts, command: chooseCommand(parts, help) }, reported?.join("."));
  }

  exec(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return exec(this.binary, args, options);
  }

  /** For the log and report: "gitleaks 8.24.3", or what is known of a build without a version. */
  get name(): string {
    return this.version.parts ? `gitleaks ${this.version.text}` : `gitleaks (version unknown, has \`${this.version.command}\`)`;
  }

  async scan(o: GitleaksScanOptions): Promise<GitleaksScan> {
    const args = scanArgs(this.version.command, o);
    const env = o.gitDir ? { ...process.env, GIT_DIR: o.gitDir } : undefined;
    // cwd too: newer versions also read ./.gitleaksignore.
    const command = [this.binary, ...args];
    let result: RunResult;
    try {
      result = await this.exec(args, { cwd: o.source, env, onStderrLine: o.onStderrLine, timeoutMs: o.timeoutMs });
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      const limit = (o.timeoutMs ?? 0) >= 60_000 ? `${Math.round((o.timeoutMs ?? 0) / 6_000) / 10} min` : `${(o.timeoutMs ?? 0) / 1000} s`;
      const why = /timed out/.test(error.message)
        ? `did not finish within ${limit} (gitleaks-timeout) and was stopped`
        : (/(could not be (?:started|run)[^\n]*|was stopped by \w+)/.exec(error.message)?.[1] ?? "failed");
      throw new GitleaksError(command, error.exitCode, error.stderr, why);
    }
    if (result.exitCode !== 0 && result.exitCode !== LEAKS_EXIT_CODE) {
      throw new GitleaksError(command, result.exitCode, result.stderr, `failed with exit code ${result.exitCode}`);
    }
    let findings: Finding[];
    try {
      findings = parseJsonReport(await readFile(o.reportPath, "utf8"));
    } catch (error) {
      const why = error instanceof ReportFormatError ? error.message : `wrote no report (${(error as Error).message})`;
      throw new GitleaksError(command, result.exitCode, result.stderr, `exited with ${result.exitCode} but ${why}`);
    }
    if (result.exitCode === LEAKS_EXIT_CODE && !findings.length) {
      throw new GitleaksError(command, result.exitCode, result.stderr, "reported leaks but its report lists none");
    }
    if (result.exitCode === 0 && findings.length) {
      throw new GitleaksError(command, result.exitCode, result.stderr, `exited with 0 but its report lists ${findings.length} findings`);
    }
    const scanned = /(\d+) commits scanned/.exec(result.stderr)?.[1];
    return { findings, command, commitsScanned: scanned === undefined ? undefined : Number(scanned) };
  }
}

/** The argv of a scan for a CLI generation: `detect --source=<dir>` before 8.19, `git <dir>` after. */
export function scanArgs(command: "detect" | "git", o: Omit<GitleaksScanOptions, "onStderrLine" | "gitDir" | "timeoutMs">): string[] {
  const common = [
    "--redact",
    "--no-banner",
    `--exit-code=${LEAKS_EXIT_CODE}`,
    "--report-format=json",
    `--report-path=${o.reportPath}`,
    // The = form: the value starts with '-' and must not be taken for a flag.
    `--log-opts=${o.logOpts}`,
    ...(o.config ? [`--config=${o.config}`] : []),
    ...(o.baseline ? [`--baseline-path=${o.baseline}`] : []),
  ];
  return command === "git" ? ["git", ...common, o.source] : ["detect", `--source=${o.source}`, ...common];
}

function exec(binary: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  // NO_COLOR is asked for, but 8.16 colours its log into a pipe regardless: lines are stripped too (stripAnsi).
  return run([binary, ...args], { ...options, env: { ...(options.env ?? process.env), NO_COLOR: "1" } });
}
