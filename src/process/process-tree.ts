import { readdirSync, readFileSync } from "node:fs";

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** Every process's parent and process group, from /proc; empty where there is no /proc (not Linux). */
function processTable(): ProcessEntry[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const table: ProcessEntry[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    table.push({ pid: Number(entry), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
  }
  return table;
}

/**
 * The processes of group `pgid` and every descendant of theirs, whatever group or session it moved
 * to: nix puts each builder in a session of its own, out of reach of a signal to nix's group.
 */
export function groupAndDescendants(pgid: number): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Set<number>();
  const queue = table.filter((p) => p.pgrp === pgid).map((p) => p.pid);
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found];
}

/**
 * SIGKILL to a process group and to every descendant of it, found while they are still linked to
 * it. Killing only the group would leave a builder's children running once nix, which had not
 * stopped them, is gone (nix stops them itself on SIGTERM; this is for a nix that did not stop).
 */
export function killGroupAndDescendants(pgid: number): void {
  const pids = groupAndDescendants(pgid);
  for (const target of [-pgid, ...pids]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
