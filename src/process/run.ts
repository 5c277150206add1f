import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is closed afterwards (otherwise stdin is /dev/null). */
  input?: string;
  /** Each complete stderr line as it arrives, for progress while a long command runs. */
  onStderrLine?: (line: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunResult {
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

const TAIL_LINES = 30;

/** The last lines of a program's stderr: enough to see why it failed, short enough for a log. */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}

/** A program could not be started, or ended with a status its caller does not accept. */
export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    reason?: string,
  ) {
    const shown = command.map(quoteForDisplay).join(" ");
    const why = reason ?? `exited with code ${exitCode}`;
    const detail = tail(stderr);
    super(`${shown} ${why}${detail ? `:\n${detail}` : ""}`);
    this.name = "CommandError";
  }

  get stderrTail(): string {
    return tail(this.stderr);
  }
}

/** The program itself is not installed (ENOENT), as opposed to failing when run. */
export class CommandNotFoundError extends CommandError {
  constructor(command: string[]) {
    super(command, null, "", "could not be started: not found on PATH");
    this.name = "CommandNotFoundError";
  }
}

function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./#-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a program with an argv array (never a shell) and collects its output. Resolves with any
 * exit code; rejects only when the program cannot be started or is stopped by timeout/signal.
 */
export function run(command: string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = command;
  if (!file) throw new Error("run: empty command");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pending = "";
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
        }, options.timeoutMs)
      : undefined;

    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    // Decoded as a stream, so a character split across two chunks (Nix's "…") stays whole.
    const decoder = new StringDecoder("utf8");
    child.stderr?.on("data", (chunk: Buffer) => {
      err.push(chunk);
      if (options.onStderrLine) {
        pending += decoder.write(chunk);
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) options.onStderrLine(line);
      }
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined); // the child may exit before reading everything
      child.stdin.end(options.input);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (error.code === "ENOENT") reject(new CommandNotFoundError(command));
      else reject(new CommandError(command, null, Buffer.concat(err).toString("utf8"), `could not be run: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pending && options.onStderrLine) options.onStderrLine(pending);
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        reject(new CommandError(command, null, stderr, `timed out after ${options.timeoutMs} ms`));
        return;
      }
      if (code === null) {
        reject(new CommandError(command, null, stderr, `was stopped by ${signal}`));
        return;
      }
      resolve({ command, exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

/** Like run, but any exit code other than those accepted (default 0) is a CommandError. */
export async function runChecked(
  command: string[],
  options: RunOptions & { okCodes?: number[] } = {},
): Promise<RunResult> {
  const result = await run(command, options);
  if (!(options.okCodes ?? [0]).includes(result.exitCode)) {
    throw new CommandError(command, result.exitCode, result.stderr);
  }
  return result;
}
