import type { Platform } from "./platform.js";
import type { Report } from "./report.js";

export interface Annotation {
  level: "error" | "warning" | "notice";
  message: string;
  title?: string;
  /** Relative to the workspace, as the forge expects. */
  file?: string;
  line?: number;
  column?: number;
}

/**
 * Everything an action or the CLI does to the outside world besides running programs. Two
 * implementations: the Actions runtime (GitHub and Forgejo) and the terminal (nix-fleet CLI).
 */
export interface Runtime {
  readonly platform: Platform | "cli";
  info(message: string): void;
  /**
   * Logs text that comes from outside (a tool's output, a flake's error message): a line in it
   * that looks like a workflow command (`::stop-commands::`, `::add-mask::`) is never run.
   */
  untrusted(text: string): void;
  warning(message: string): void;
  debug(message: string): void;
  /** Folds a long stretch of log under one line; on a terminal just a heading. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  annotate(annotation: Annotation): void;
  /** Masks a value in every later log line. Call before the value can be printed. */
  setSecret(value: string): void;
  /**
   * The text with every value given to setSecret replaced by `***`: for what the runner's log
   * masking never sees (a report file, the step summary, the CLI's own output).
   */
  redacted(text: string): string;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** Step summary on GitHub; readable text in the log everywhere. */
  report(report: Report): void;
}

/** `text` with every secret replaced by `***`: what Runtime.redacted does. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let shown = text;
  for (const s of secrets) if (s) shown = shown.split(s).join("***");
  return shown;
}

/** Formats an annotation as one plain log line: what a reader sees where no annotations exist. */
export function annotationText(a: Annotation): string {
  const where = a.file ? `${a.file}${a.line ? `:${a.line}${a.column ? `:${a.column}` : ""}` : ""}: ` : "";
  const title = a.title ? `${a.title}: ` : "";
  return `${a.level}: ${where}${title}${a.message}`;
}
