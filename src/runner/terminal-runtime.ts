import { neutralized } from "./neutralize.js";
import { renderText, type Report } from "./report.js";
import { annotationText, redactSecrets, type Annotation, type Runtime } from "./runtime.js";

/**
 * The nix-fleet CLI's runtime: log and report go to stderr (so that stdout can carry --json),
 * outputs are kept in memory for the caller, secrets are replaced in everything printed.
 */
export function insideRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!(env.GITHUB_ACTIONS || env.FORGEJO_ACTIONS);
}

export class TerminalRuntime implements Runtime {
  readonly platform = "cli" as const;
  readonly outputs = new Map<string, string>();
  private readonly state = new Map<string, string>();
  private readonly secrets: string[] = [];
  /** Inside a group, info lines are detail: shown with --verbose only, as a folded group would be. */
  private depth = 0;

  constructor(
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
    private readonly verbose = false,
  ) {}

  /** The text with every secret replaced by `***`: also for what the CLI prints itself (its final error). */
  redacted(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  private masked(text: string): string {
    const shown = this.redacted(text);
    return shown.endsWith("\n") ? shown : `${shown}\n`;
  }

  /**
   * nix-fleet run in a workflow's `run:` step writes to a runner's log, and what it prints quotes
   * flakes and tools: there, no line of it may start a workflow command.
   */
  private print(text: string): void {
    const shown = this.masked(text);
    this.write(insideRunner() ? `${neutralized(shown.slice(0, -1))}\n` : shown);
  }

  /** Whether a result went to stdout; after closeResults() none goes. */
  private results: "open" | "printed" | "closed" = "open";

  /** What a command hands to a script (JSON, a matrix) on stdout, masked like everything else. One per run. */
  result(text: string): void {
    if (this.results !== "open") return;
    this.results = "printed";
    process.stdout.write(this.masked(text));
  }

  /**
   * No more results: a command being stopped ends with results of work cut short, which a script
   * must not take for the command's answer. Returns whether one was printed already.
   */
  closeResults(): boolean {
    const printed = this.results === "printed";
    this.results = "closed";
    return printed;
  }

  info(message: string): void {
    if (this.depth === 0 || this.verbose) this.print(message);
  }

  untrusted(text: string): void {
    this.info(text);
  }

  warning(message: string): void {
    this.print(`warning: ${message}`);
  }

  debug(message: string): void {
    if (this.verbose) this.print(`debug: ${message}`);
  }

  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.verbose) this.print(`▸ ${name}`);
    this.depth++;
    try {
      return await fn();
    } finally {
      this.depth--;
    }
  }

  annotate(a: Annotation): void {
    this.print(annotationText(a));
  }

  setSecret(value: string): void {
    if (value) this.secrets.push(value);
  }

  setOutput(name: string, value: string): void {
    this.outputs.set(name, value);
  }

  saveState(name: string, value: string): void {
    this.state.set(name, value);
  }

  getState(name: string): string {
    return this.state.get(name) ?? "";
  }

  report(report: Report): void {
    this.print(renderText(report));
  }
}
