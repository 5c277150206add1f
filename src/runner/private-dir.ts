import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Runtime } from "./runtime.js";

/** State name under which main records what post must undo (paths and pids, never a secret). */
export const CLEANUP_STATE = "nix-fleet-cleanup";

/** Every private directory is named so: post removes nothing else. */
export const PRIVATE_DIR_PREFIX = "nix-fleet-private-";

/** What post must undo if main could not: a JSON object saved in state before any secret is written. */
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
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly pids = new Set<number>();
  private closed = false;

  private constructor(
    private readonly runtime: Pick<Runtime, "saveState" | "warning">,
    readonly path: string,
  ) {}

  static async create(runtime: Pick<Runtime, "saveState" | "warning">, tempRoot: string): Promise<PrivateDir> {
    await mkdir(tempRoot, { recursive: true });
    const path = await mkdtemp(join(tempRoot, PRIVATE_DIR_PREFIX));
    // mkdtemp makes 0700 already; said explicitly because the key material depends on it.
    await chmod(path, 0o700);
    const dir = new PrivateDir(runtime, path);
    dir.record();
    return dir;
  }

  private record(): void {
    const record: CleanupRecord = { dir: this.path, pids: [...this.pids] };
    this.runtime.saveState(CLEANUP_STATE, JSON.stringify(record));
  }

  /** Writes a file only this user can read (0600) and returns its path. `name` is a plain file name. */
  async writeSecret(name: string, content: string): Promise<string> {
    if (name !== basename(name) || name.startsWith(".")) throw new Error(`private file name '${name}': expected a plain file name`);
    const file = join(this.path, name);
    await writeFile(file, content, { mode: 0o600, flag: "wx" });
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

  /** Runs the cleanups, stops tracked process groups, removes the directory. Idempotent; only warns. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        this.runtime.warning(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const pid of this.pids) stopProcessGroup(pid);
    this.pids.clear();
    await rm(this.path, { recursive: true, force: true });
    this.runtime.saveState(CLEANUP_STATE, "");
  }
}

/** SIGTERM to a process group; a group that is already gone is fine. */
export function stopProcessGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
}

/**
 * The post step's half: undo what main recorded and could not undo itself (main was killed).
 * Only a directory main could have made is removed: one named with the prefix, right inside the
 * temp root.
 */
export async function cleanupFromState(runtime: Pick<Runtime, "getState" | "warning">, tempRoot: string): Promise<void> {
  const raw = runtime.getState(CLEANUP_STATE);
  if (!raw) return;
  let record: CleanupRecord;
  try {
    record = JSON.parse(raw) as CleanupRecord;
  } catch {
    runtime.warning(`cleanup state is not readable; nothing removed.`);
    return;
  }
  for (const pid of record.pids ?? []) if (Number.isInteger(pid) && pid > 1) stopProcessGroup(pid);
  const dir = record.dir;
  if (!dir) return;
  if (dirname(resolve(dir)) !== resolve(tempRoot) || !basename(dir).startsWith(PRIVATE_DIR_PREFIX)) {
    runtime.warning(`not removing '${dir}': it is not a private directory this action made in ${tempRoot}.`);
    return;
  }
  await rm(dir, { recursive: true, force: true });
}
