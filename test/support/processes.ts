import { readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  /** argv joined by spaces. */
  command: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/**
 * Live processes (zombies excluded) whose argv contains `text`, or whose environment holds
 * `env` (a `NAME=value` every child of one step inherits, such as its RUNNER_TEMP).
 */
export function processesWith(match: { argv?: string; env?: string }): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
    const argv = read(`/proc/${entry}/cmdline`) ?? "";
    const hit =
      (match.argv !== undefined && argv.split("\0").join(" ").includes(match.argv)) ||
      (match.env !== undefined && (read(`/proc/${entry}/environ`) ?? "").split("\0").includes(match.env));
    if (hit) found.push({ pid: Number(entry), command: argv.split("\0").join(" ").trim() });
  }
  return found;
}

/** Waits until no process matches, up to `ms`; returns those still there. */
export async function processesGone(match: { argv?: string; env?: string }, ms = 5000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesWith(match);
    if (!left.length || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
