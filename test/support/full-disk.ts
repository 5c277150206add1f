import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real full disk: a 64 KiB tmpfs (needs root, as on this project's CI), filled to the last
 * byte, mounted on `at` (an empty directory, e.g. inside a workspace) or a new temp dir.
 * `unmount` must run in a finally.
 */
export function fullTmpfs(at?: string): { dir: string; unmount: () => void } {
  const dir = at ?? mkdtempSync(join(tmpdir(), "full-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  // head stops at ENOSPC, the filler holding every block: exactly what a full RUNNER_TEMP looks like.
  spawnSync("sh", ["-c", 'head -c 1048576 /dev/zero > "$1"', "sh", join(dir, "filler")]);
  return {
    dir,
    unmount: () => {
      spawnSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` but the filler, with its size: a zero-byte report would show here. */
export function filesLeft(dir: string): { path: string; size: number }[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((path) => ({ path, stat: statSync(join(dir, path)) }))
    .filter((f) => f.stat.isFile() && f.path !== "filler")
    .map((f) => ({ path: f.path, size: f.stat.size }));
}
