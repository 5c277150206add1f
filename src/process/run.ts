import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { killGroupAndDescendants } from "./process-tree.js";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is closed afterwards (otherwise stdin is /dev/null). */
  input?: string;
  /** Each complete stderr line as it arrives, for progress while a long command runs. */
  onStderrLine?: (line: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** More stdout than this is an error (default STDOUT_LIMIT_BYTES). */
  stdoutLimitBytes?: number;
  /** Only the end of stderr is kept, this many bytes (default STDERR_TAIL_BYTES). */
  stderrTailBytes?: number;
}

export interface RunResult {
  command: string[];
  exitCode: number;
  stdout: string;
  /** The end of stderr: at most `stderrTailBytes`, marked when the start was left out. */
  stderr: string;
}

const TAIL_LINES = 30;

/** The last lines of a program's stderr: enough to see why it failed, short enough for a log (each line cut at LINE_LIMIT_BYTES). */
export function tail(text: string, lines = TAIL_LINES): string {
  const all = text.trimEnd().split("\n");
  return all
    .slice(-lines)
    .map(cutLine)
    .join("\n");
}

/** A line no longer than LINE_LIMIT_BYTES, marked when it was cut. */
function cutLine(line: string): string {
  return line.length > LINE_LIMIT_BYTES ? `${line.slice(0, LINE_LIMIT_BYTES)}… [line cut]` : line;
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

/** Most of a program's stdout kept for a caller that needs all of it (JSON from nix eval): more is an error. */
export const STDOUT_LIMIT_BYTES = 128 * 1024 * 1024;
/** How much of the end of a program's stderr is kept: why it failed is at the end; a build log may be endless. */
export const STDERR_TAIL_BYTES = 16 * 1024 * 1024;
/** A line handed to onStderrLine is cut here: a builder printing one endless line must not hold it all. */
export const LINE_LIMIT_BYTES = 8 * 1024;

/** How long a program stopped by its timeout (or its stdout limit) has after SIGTERM before SIGKILL. */
export const KILL_AFTER_MS = 3000;

/** The last `limit` bytes of a stream, and how many came before them. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  text(): string {
    let text = Buffer.concat(this.chunks).toString("utf8");
    if (!this.dropped) return text;
    // The cut fell anywhere: start at the next whole line (if another follows), and say what was left out.
    const newline = text.indexOf("\n");
    if (newline >= 0 && newline < text.length - 1) text = text.slice(newline + 1);
    return `[${this.dropped} earlier bytes of output left out]\n${text}`;
  }
}

/**
 * Process groups of the programs running now. Each program runs in a group of its own
 * (`detached`), so that stopping it stops what it started too (nix's builders, gitleaks' git),
 * and a signal handler can stop them all (stopRunningPrograms).
 */
const running = new Set<number>();
let stopping = false;

/** SIGTERM to a process group; one that is already gone is fine. */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals = "SIGTERM"): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The process groups of the programs run() is running now. */
export function runningProcessGroups(): number[] {
  return [...running];
}

/**
 * Stops every program run() started and refuses to start more: SIGTERM to each process group,
 * then SIGKILL to those still there after `graceMs`. For a step that is itself being stopped.
 */
export async function stopRunningPrograms(graceMs = 3000): Promise<void> {
  stopping = true;
  const groups = [...running];
  for (const pid of groups) signalProcessGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  // A group is gone when signal 0 finds none of its processes.
  const alive = () => groups.filter((pid) => signalProcessGroup(pid, 0 as unknown as NodeJS.Signals));
  while (alive().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) killGroupAndDescendants(pid);
}

/**
 * Runs a program with an argv array (never a shell) and collects its output. Resolves with any
 * exit code; rejects only when the program cannot be started or is stopped by timeout/signal, or
 * prints more on stdout than `stdoutLimitBytes`. Of stderr only the last `stderrTailBytes` are kept.
 */
export function run(command: string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = command;
  if (!file) throw new Error("run: empty command");
  if (stopping) return Promise.reject(new CommandError(command, null, "", "was not started: the step is being stopped"));
  const stdoutLimit = options.stdoutLimitBytes ?? STDOUT_LIMIT_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      signal: options.signal,
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const out: Buffer[] = [];
    let outBytes = 0;
    let overflow = false;
    const err = new TailBuffer(options.stderrTailBytes ?? STDERR_TAIL_BYTES);
    let pending = "";
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    // SIGTERM first, so that nix and gitleaks can clean up; SIGKILL for a program that ignores it.
    const stopGroup = () => {
      if (pid === undefined) child.kill("SIGTERM");
      else signalProcessGroup(pid, "SIGTERM");
      killTimer ??= setTimeout(() => (pid === undefined ? child.kill("SIGKILL") : killGroupAndDescendants(pid)), KILL_AFTER_MS);
    };
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          stopGroup();
        }, options.timeoutMs)
      : undefined;

    child.stdout?.on("data", (chunk: Buffer) => {
      if (overflow) return;
      outBytes += chunk.length;
      if (outBytes > stdoutLimit) {
        overflow = true;
        out.length = 0;
        stopGroup();
        return;
      }
      out.push(chunk);
    });
    // Decoded as a stream, so a character split across two chunks (Nix's "…") stays whole.
    const decoder = new StringDecoder("utf8");
    let cut = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      err.push(chunk);
      if (options.onStderrLine) {
        pending += decoder.write(chunk);
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (cut) cut = false; // the rest of a line already handed over cut
          else options.onStderrLine(cutLine(line));
        }
        if (pending.length > LINE_LIMIT_BYTES) {
          if (!cut) options.onStderrLine(cutLine(pending));
          cut = true;
          pending = "";
        }
      }
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on("error", () => undefined); // the child may exit before reading everything
      child.stdin.end(options.input);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (pid !== undefined) running.delete(pid);
      if (error.code === "ENOENT") reject(new CommandNotFoundError(command));
      else reject(new CommandError(command, null, err.text(), `could not be run: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (pid !== undefined) running.delete(pid);
      if (pending && !cut && options.onStderrLine) options.onStderrLine(pending);
      const stderr = err.text();
      if (overflow) {
        reject(new CommandError(command, null, stderr, `printed more than ${Math.round(stdoutLimit / 1048576)} MiB on stdout, more than this step reads: stopped`));
        return;
      }
      if (timedOut) {
        reject(new CommandError(command, null, stderr, `timed out after ${options.timeoutMs} ms`));
        return;
      }
      if (code === null) {
        reject(new CommandError(command, null, stderr, stopping ? `was stopped by ${signal}: the step is being stopped` : `was stopped by ${signal}`));
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
