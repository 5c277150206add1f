import { InputError } from "./inputs.js";

/**
 * "Your setup is wrong", as opposed to a bad input value (InputError) or a bug: an untrusted Nix
 * user, a shallow clone, a lock file this Nix cannot read, a Vault role that refuses the
 * principal, a changed host key. It carries the fix, so that the message tells the user what to do.
 */
export class UserError extends Error {
  constructor(
    /** What is wrong, in the user's words. */
    readonly problem: string,
    /** What to do about it. */
    readonly fix: string,
    /** The tool whose setup is at fault (nix, git, gitleaks, vault, ssh, wstunnel), if one is. */
    readonly tool?: string,
  ) {
    super(`${problem} Fix: ${fix}`);
    this.name = "UserError";
  }
}

/** The step or command was stopped by SIGINT or SIGTERM (Ctrl-C, a cancelled job). */
export class SignalError extends Error {
  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super(`stopped by ${signal}: every program it started was stopped and its private files removed.`);
    this.name = "SignalError";
  }
}

/** How a failure is classified, in JSON reports and in the CLI's exit status. */
export type ErrorKind = "input" | "setup" | "failure" | "signal";

/** The kind of an error, or of the error it wraps (`cause`: a report that could not be written for a full disk is "setup"). */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof InputError) return "input";
  if (error instanceof UserError) return "setup";
  if (error instanceof SignalError) return "signal";
  if (error instanceof Error && error.cause !== undefined) return errorKind(error.cause);
  return "failure";
}

/** One known way a tool fails because of the user's setup: recognised by its stderr. */
export interface Hint {
  /** Matched against the tool's stderr (or an error message). */
  pattern: RegExp;
  problem: string | ((match: RegExpMatchArray) => string);
  fix: string;
}

/** The first hint of a tool's table that matches `text`, as a UserError; undefined if none does. */
export function userErrorFromHints(tool: string, hints: readonly Hint[], text: string): UserError | undefined {
  for (const hint of hints) {
    const match = text.match(hint.pattern);
    if (match) {
      const problem = typeof hint.problem === "function" ? hint.problem(match) : hint.problem;
      return new UserError(problem, hint.fix, tool);
    }
  }
  return undefined;
}
