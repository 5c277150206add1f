import { CommandError, CommandNotFoundError, run, type RunOptions, type RunResult } from "../process/run.js";
import { userErrorFromHints } from "../runner/user-error.js";
import { parseNixErrors, type NixError } from "./errors.js";
import { NIX_HINTS } from "./hints.js";
import { composeNixConfig } from "./nix-config.js";
import { nixFeatures, parseNixVersion, type NixVersion } from "./version.js";

/** A Nix command failed. Carries the parsed errors as well as the command, exit code and stderr. */
export class NixCommandError extends CommandError {
  readonly errors: NixError[];

  constructor(result: RunResult) {
    const errors = parseNixErrors(result.stderr);
    super(result.command, result.exitCode, result.stderr);
    this.name = "NixCommandError";
    this.errors = errors;
    const first = errors[0];
    if (first) {
      // The error Nix gave, then which command: its subcommand and installables (not --apply bodies).
      const [, ...args] = result.command;
      const words = args.filter((a, i) => !a.startsWith("-") && !args[i - 1]?.startsWith("--"));
      this.message = `${first.message}\n(nix ${words.join(" ")} exited with code ${result.exitCode})`;
    }
  }
}

/** What a failed Nix command is about, in one message: Nix's own first error when there is one. */
export function nixErrorMessage(error: unknown): string {
  if (error instanceof NixCommandError && error.errors[0]) return error.errors[0].message;
  return error instanceof Error ? error.message : String(error);
}

/** A failed Nix command as an error: a UserError with the fix when the cause is the user's setup. */
export function nixFailure(result: RunResult): Error {
  return userErrorFromHints("nix", NIX_HINTS, result.stderr) ?? new NixCommandError(result);
}

/** Nix's parsed errors from a failure, or the failure itself as one error when Nix printed none. */
export function nixErrorsOf(error: unknown): NixError[] {
  if (error instanceof NixCommandError && error.errors.length) return error.errors;
  return [{ message: error instanceof Error ? error.message : String(error), trace: [], ignored: false }];
}

export class NixNotFoundError extends Error {
  constructor(binary: string) {
    super(
      `Nix was not found (looked for '${binary}' on PATH). Install Nix on the runner first, ` +
        `for example with a Nix installer step before this one.`,
    );
    this.name = "NixNotFoundError";
  }
}

export interface BuildResult {
  drvPath: string;
  outputs: Record<string, string>;
}

/** One store path as `nix path-info --json` describes it, whichever shape the version printed. */
export interface PathInfo {
  path: string;
  narSize: number;
  /** With --closure-size: the path and everything it references, recursively. */
  closureSize?: number;
  references: string[];
  signatures: string[];
}

/**
 * `nix path-info --json` printed an array of objects with a `path` field before 2.19, and an
 * object keyed by path since (an invalid path maps to null there).
 */
export function parsePathInfo(json: unknown): PathInfo[] {
  const entries: [string, Record<string, unknown> | null][] = Array.isArray(json)
    ? (json as Record<string, unknown>[]).map((e) => [String(e.path), e])
    : Object.entries(json as Record<string, Record<string, unknown> | null>);
  return entries
    .filter((entry): entry is [string, Record<string, unknown>] => entry[1] !== null && entry[1].valid !== false)
    .map(([path, e]) => ({
      path,
      narSize: Number(e.narSize ?? 0),
      closureSize: typeof e.closureSize === "number" ? e.closureSize : undefined,
      references: Array.isArray(e.references) ? (e.references as string[]) : [],
      signatures: Array.isArray(e.signatures) ? (e.signatures as string[]) : [],
    }));
}

export interface FlakeCheckOptions {
  keepGoing: boolean;
  build: boolean;
  allSystems: boolean;
  extraArgs: string[];
  onStderrLine?: (line: string) => void;
}

export interface NixOptions {
  /** The nix binary; default: `nix` on PATH. */
  binary?: string;
  /** Lines of nix.conf syntax to add for this run, on top of the caller's NIX_CONFIG and nix.conf. */
  extraConfig?: string;
  env?: NodeJS.ProcessEnv;
}

/** The Nix CLI. Every call goes through exec(); the version decides which flags exist. */
export class Nix {
  readonly features: ReturnType<typeof nixFeatures>;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly binary: string,
    readonly version: NixVersion,
    env: NodeJS.ProcessEnv,
  ) {
    this.env = env;
    this.features = nixFeatures(version);
  }

  static async create(options: NixOptions = {}): Promise<Nix> {
    const binary = options.binary ?? "nix";
    const base = options.env ?? process.env;
    // NO_COLOR: errors are parsed, and colour codes only get in the way (Lix honours FORCE_COLOR).
    const env = { ...base, NO_COLOR: "1", NIX_CONFIG: composeNixConfig(base.NIX_CONFIG, options.extraConfig) };
    let result: RunResult;
    try {
      result = await run([binary, "--version"], { env });
    } catch (error) {
      if (error instanceof CommandNotFoundError) throw new NixNotFoundError(binary);
      throw error;
    }
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
    return new Nix(binary, parseNixVersion(result.stdout), env);
  }

  /** Runs nix with these arguments; resolves with any exit code. */
  exec(args: string[], options: Omit<RunOptions, "env"> = {}): Promise<RunResult> {
    return run([this.binary, ...args], { ...options, env: this.env });
  }

  private async checked(args: string[], options: Omit<RunOptions, "env"> = {}): Promise<RunResult> {
    const result = await this.exec(args, options);
    if (result.exitCode !== 0) throw nixFailure(result);
    return result;
  }

  /**
   * Evaluations run side by side (hosts one by one, plans), and Nix's SQLite eval cache answers
   * "database is busy" to concurrent writers instead of waiting: so it stays off.
   */
  async evalJson<T>(
    installable: string,
    options: { apply?: string; extraArgs?: string[]; onStderrLine?: (line: string) => void } = {},
  ): Promise<T> {
    const args = ["eval", "--json", "--show-trace", "--no-eval-cache", installable];
    if (options.apply) args.push("--apply", options.apply);
    // The user's arguments last: a flag short of its value fails, instead of taking the flake for it.
    args.push(...(options.extraArgs ?? []));
    const result = await this.checked(args, { onStderrLine: options.onStderrLine });
    return JSON.parse(result.stdout) as T;
  }

  /** `nix build --json --no-link`: the one form that prints out paths on every version. */
  async build(installables: string[], extraArgs: string[] = [], options: Pick<RunOptions, "onStderrLine"> = {}): Promise<BuildResult[]> {
    const result = await this.checked(["build", "--json", "--no-link", ...installables, ...extraArgs], options);
    return JSON.parse(result.stdout) as BuildResult[];
  }

  /**
   * Builds the outputs of a derivation that is already in the store (a plan's `drv`), with no
   * evaluation at all.
   */
  async buildDerivation(drv: string, extraArgs: string[] = [], options: Pick<RunOptions, "onStderrLine"> = {}): Promise<BuildResult> {
    const installable = this.features.drvOutputsCaret ? `${drv}^*` : drv;
    const [built] = await this.build([installable], extraArgs, options);
    if (!built) throw new Error(`nix build printed no result for ${drv}`);
    return built;
  }

  async pathInfo(paths: string[], options: { closureSize?: boolean; recursive?: boolean } = {}): Promise<PathInfo[]> {
    const args = ["path-info", "--json"];
    if (options.closureSize) args.push("--closure-size");
    if (options.recursive) args.push("--recursive");
    const result = await this.checked([...args, ...paths]);
    return parsePathInfo(JSON.parse(result.stdout));
  }

  /** Signs the paths and everything they reference, in the local store. */
  async signClosure(keyFile: string, paths: string[]): Promise<void> {
    await this.checked(["store", "sign", "--key-file", keyFile, "--recursive", ...paths]);
  }

  /** Copies the paths' whole closures to a store URI; `nix copy` skips only what the target already has. */
  async copyTo(
    storeUri: string,
    paths: string[],
    options: { noCheckSigs?: boolean; onStderrLine?: (line: string) => void } = {},
  ): Promise<void> {
    const { noCheckSigs, ...rest } = options;
    // Nix skips a path its narinfo cache (~/.cache/nix) remembers the store holding, for 30 days: a
    // cache that was wiped or garbage-collected since would get nothing. Ask the store itself.
    const fresh = ["--option", "narinfo-cache-positive-ttl", "0"];
    await this.checked(["copy", ...fresh, ...(noCheckSigs ? ["--no-check-sigs"] : []), "--to", storeUri, ...paths], rest);
  }

  /** Opens a store (`nix store ping`/`info`): true when Nix could. For an http(s) cache, Nix records it in its cache database. */
  async tryOpenStore(uri: string): Promise<boolean> {
    const result = await this.exec(["store", this.features.storeInfo ? "info" : "ping", "--store", uri]);
    return result.exitCode === 0;
  }

  /** The store path of the flake's source tree, as it appears in error positions. */
  async flakeSourcePath(flake: string, extraArgs: string[] = []): Promise<string> {
    const result = await this.checked(["flake", "metadata", "--json", flake, ...extraArgs]);
    return (JSON.parse(result.stdout) as { path: string }).path;
  }

  /** Runs `nix flake check`; the caller reads the errors from the result, whatever the exit code. */
  flakeCheck(flake: string, options: FlakeCheckOptions): Promise<RunResult> {
    const args = ["flake", "check", "--show-trace"];
    if (options.keepGoing) args.push("--keep-going");
    if (!options.build) args.push("--no-build");
    if (options.allSystems && this.features.flakeCheckAllSystems) args.push("--all-systems");
    args.push(flake, ...options.extraArgs);
    return this.exec(args, { onStderrLine: options.onStderrLine });
  }
}
