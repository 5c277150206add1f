import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { signalProcessGroup } from "../process/run.js";
import { diskFullError } from "./disk-full.js";
import type { Runtime } from "./runtime.js";

/** State name under which main records what post must undo (paths and pids, never a secret). */
export const CLEANUP_STATE = "nix-fleet-cleanup";

/** Every private directory is named so: post removes nothing else. */
export const PRIVATE_DIR_PREFIX = "nix-fleet-private-";

/**
 * What post must undo if main could not, for one private directory. The state holds a JSON array
 * of these, one per directory still open (the gate's stages each have one), saved before any
 * secret is written.
 */
export interface CleanupRecord {
  /** The step's private 0700 directory, directly inside the temp root. */
  dir: string;
  /** Process groups main started that must not outlive the step (tunnels, agents). */
  pids: number[];
}

/**
 * One step's private 0700 directory (under RUNNER_TEMP on a runner, the system temp dir in the
 * CLI) for key material, netrc files, tokens and generated configs, and the in-process cleanups
 * (revoke a token, stop a tunnel) that must run however the step ends. The directory is recorded
 * in state BEFORE anything is written into it, so a killed main still leaves post something to do.
 */
export class PrivateDir {
  /** Every directory not yet closed, in the order made: what a signal handler must close. */
  private static readonly open: PrivateDir[] = [];

  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly pids = new Set<number>();
  private closing?: Promise<void>;

  private constructor(
    private readonly runtime: Pick<Runtime, "saveState" | "warning">,
    readonly path: string,
  ) {}

  static async create(runtime: Pick<Runtime, "saveState" | "warning">, tempRoot: string): Promise<PrivateDir> {
    let path: string;
    try {
      await mkdir(tempRoot, { recursive: true });
      path = await mkdtemp(join(tempRoot, PRIVATE_DIR_PREFIX));
    } catch (error) {
      throw diskFullError(error, join(tempRoot, PRIVATE_DIR_PREFIX), "The step's private directory");
    }
    // mkdtemp makes 0700 already; said explicitly because the key material depends on it.
    await chmod(path, 0o700);
    const dir = new PrivateDir(runtime, path);
    PrivateDir.open.push(dir);
    dir.record();
    return dir;
  }

  /** Closes every directory still open, newest first: a step being stopped by a signal. */
  static async closeAll(): Promise<void> {
    for (const dir of [...PrivateDir.open].reverse()) {
      await dir.close().catch((error: unknown) => dir.runtime.warning(`could not remove ${dir.path}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Saves the records of every open directory (one process is one step): one state value holds them all. */
  private record(): void {
    const records: CleanupRecord[] = PrivateDir.open.map((d) => ({ dir: d.path, pids: [...d.pids] }));
    this.runtime.saveState(CLEANUP_STATE, records.length ? JSON.stringify(records) : "");
  }

  /** Writes a file only this user can read (0600) and returns its path. `name` is a plain file name. */
  async writeSecret(name: string, content: string): Promise<string> {
    if (name !== basename(name) || name.startsWith(".")) throw new Error(`private file name '${name}': expected a plain file name`);
    const file = join(this.path, name);
    try {
      await writeFile(file, content, { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Half a key is no use to anyone and must not stay; a file that was there already is not ours to remove.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") await rm(file, { force: true });
      throw diskFullError(error, file, `The private file ${name}`);
    }
    return file;
  }

  /** A process group that post must stop if main dies before stopping it. */
  trackProcess(pid: number): void {
    this.pids.add(pid);
    this.record();
  }

  untrackProcess(pid: number): void {
    this.pids.delete(pid);
    this.record();
  }

  /** Runs at close(), last registered first (revoke the token, stop the tunnel). */
  onClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /**
   * Runs the cleanups, stops tracked process groups, removes the directory. Idempotent; only warns.
   * A second caller (the signal handler, while the step's own `finally` is closing) waits for the
   * close under way: the process must not exit between the removal and the record that says so.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        this.runtime.warning(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const pid of this.pids) signalProcessGroup(pid, "SIGTERM");
    this.pids.clear();
    await rm(this.path, { recursive: true, force: true });
    PrivateDir.open.splice(PrivateDir.open.indexOf(this), 1);
    this.record();
  }
}

/**
 * The post step's half: undo what main recorded and could not undo itself (main was killed).
 * Only a directory main could have made is removed: one named with the prefix, inside the temp
 * root (directly, or below it as secret-scan's under RUNNER_TEMP/nix-fleet).
 */
export async function cleanupFromState(runtime: Pick<Runtime, "getState" | "warning">, tempRoot: string): Promise<void> {
  const raw = runtime.getState(CLEANUP_STATE);
  if (!raw) return;
  let parsed: CleanupRecord | CleanupRecord[];
  try {
    parsed = JSON.parse(raw) as CleanupRecord | CleanupRecord[];
  } catch {
    runtime.warning(`cleanup state is not readable; nothing removed.`);
    return;
  }
  for (const record of Array.isArray(parsed) ? parsed : [parsed]) {
    for (const pid of record.pids ?? []) if (Number.isInteger(pid) && pid > 1) signalProcessGroup(pid, "SIGTERM");
    const dir = record.dir;
    if (typeof dir !== "string" || !dir) continue;
    const inside = relative(resolve(tempRoot), resolve(dir));
    if (!inside || inside.startsWith("..") || isAbsolute(inside) || !basename(dir).startsWith(PRIVATE_DIR_PREFIX)) {
      runtime.warning(`not removing '${dir}': it is not a private directory this action made in ${tempRoot}.`);
      continue;
    }
    await rm(dir, { recursive: true, force: true });
  }
}
