import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { parseNixVersion } from "../../src/nix/version.js";
import { repoRoot } from "./runner-harness.js";
import { hasTool, onCI } from "./tools.js";

/**
 * The one place tests find a Nix to run. Each version is a directory holding an executable `nix`
 * that goes first on PATH, so the toolkit's real code finds it exactly as it finds a runner's Nix:
 * - 2.8: Debian bookworm's /usr/bin/nix (scripts/bootstrap installs it);
 * - 2.26: Debian trixie's, in the chroot scripts/nix-chroot builds (`.ci/run` builds it before the
 *   tests). Its wrapper enters the chroot with /tmp and this repository at the same paths, so
 *   fleets, caches and reports made by a test are where Nix looks for them; its /nix/store is
 *   the chroot's own, apart from the host's.
 */
export interface NixUnderTest {
  /** "2.8", "2.26": what its `nix --version` says, to major.minor (checked before it is used). */
  version: string;
  /** The directory to put first on PATH. */
  binDir: string;
  /** Why this Nix cannot run here, or undefined when it can. */
  missing: () => string | undefined;
  /** Where a path of this Nix's store is on this machine, for a test to read it. */
  hostPath: (storePath: string) => string;
}

const chrootScript = join(repoRoot, "scripts", "nix-chroot");
const binDir = (version: string) => join(repoRoot, "test", "support", "bin", `nix-${version}`);

/** Why the `nix` in binDir is not Nix `version`, or undefined when it is. */
function wrongVersion(version: string): string | undefined {
  let printed: string;
  try {
    printed = execFileSync(join(binDir(version), "nix"), ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `${join(binDir(version), "nix")} --version failed${stderr ? `: ${stderr}` : ""}`;
  }
  const v = parseNixVersion(printed);
  return `${v.major}.${v.minor}` === version ? undefined : `it is ${v.text}, not Nix ${version}`;
}

export const nix28: NixUnderTest = {
  version: "2.8",
  binDir: binDir("2.8"),
  missing: () => (existsSync("/usr/bin/nix") ? wrongVersion("2.8") : "/usr/bin/nix is not installed; run scripts/bootstrap"),
  hostPath: (storePath) => storePath,
};

let chrootRoot: string | undefined;
/** The chroot's root directory, or why there is none. */
function chroot(): { root: string } | { why: string } {
  if (process.getuid?.() !== 0) return { why: "the Nix 2.26 chroot is entered as root only" };
  try {
    chrootRoot ??= execFileSync(chrootScript, ["path"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    return { root: chrootRoot };
  } catch {
    return { why: "the Nix 2.26 chroot is not built; run scripts/nix-chroot ensure" };
  }
}

export const nix226: NixUnderTest = {
  version: "2.26",
  binDir: binDir("2.26"),
  missing: () => {
    const found = chroot();
    return "why" in found ? found.why : wrongVersion("2.26");
  },
  // Its store is the chroot's /nix/store.
  hostPath: (storePath) => {
    const found = chroot();
    if ("why" in found) throw new Error(found.why);
    return join(found.root, storePath);
  },
};

/** Every Nix the integration suites run against. */
export const nixVersions: NixUnderTest[] = [nix28, nix226];

/**
 * One describe block per Nix version, with that Nix first on PATH while its tests run (and PATH
 * put back after); `tools` names the other programs the block needs. Off CI a version (or a
 * tool) that cannot run here is skipped, saying why; on CI (CI=true) its tests fail instead,
 * with the reason. Read PATH when a test runs, not when the file is loaded: the version's Nix
 * is on PATH only inside its block.
 */
export function describeEachNix(name: string, fn: (nix: NixUnderTest) => void, options: { tools?: string[] } = {}): void {
  for (const nix of nixVersions) describeWithNix(nix, name, fn, options);
}

/** describeEachNix for one version: `<name> (Nix <version>)`. */
export function describeWithNix(nix: NixUnderTest, name: string, fn: (nix: NixUnderTest) => void, options: { tools?: string[] } = {}): void {
  const missingTools = (options.tools ?? []).filter((t) => !hasTool(t));
  const title = `${name} (Nix ${nix.version})`;
  const why = missingTools.length ? `needs ${missingTools.join(", ")}; run scripts/bootstrap` : nix.missing();
  if (why && !onCI) {
    describe.skip(`${title} (skipped: ${why})`, () => fn(nix));
    return;
  }
  describe(title, () => {
    let saved: string | undefined;
    beforeAll(() => {
      if (why) throw new Error(`${title} cannot run: ${why}`);
      saved = process.env.PATH;
      process.env.PATH = `${nix.binDir}:${saved ?? ""}`;
    });
    afterAll(() => {
      if (saved !== undefined) process.env.PATH = saved;
    });
    fn(nix);
  });
}
