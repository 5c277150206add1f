import { cpSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
import { repoRoot } from "./runner-harness.js";

/**
 * The Nix configuration every test runs with (REFERENCE.md): no sandbox (it has no /bin/sh here),
 * no build users (root without nixbld), no substituters (the public cache is unreachable and
 * each try costs seconds), no flake registry download. The toolkit adds the experimental features.
 */
export const testNixConfig = ["sandbox = false", "build-users-group =", "substituters =", "flake-registry ="].join("\n");

/** NIX_CONFIG is testNixConfig while a test file's tests run, and what it was after. Call at the top of the file. */
export function useTestNixConfig(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env.NIX_CONFIG;
    process.env.NIX_CONFIG = testNixConfig;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.NIX_CONFIG;
    else process.env.NIX_CONFIG = saved;
  });
}

/** Edits to apply to a copy of examples/fleet: file → new content, or a function of the old. */
export type FleetEdits = Record<string, string | ((old: string) => string)>;

/** A copy of the example fleet in a fresh directory, edited; `git: true` makes it a committed repo. */
export function makeFleet(edits: FleetEdits = {}, options: { git?: boolean; subdir?: string } = {}): { root: string; flake: string } {
  const root = mkdtempSync(join(tmpdir(), "fleet-"));
  const flake = options.subdir ? join(root, options.subdir) : root;
  cpSync(join(repoRoot, "examples", "fleet"), flake, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(flake, file);
    mkdirSync(dirname(path), { recursive: true });
    const next = typeof edit === "function" ? edit(readFileSync(path, "utf8")) : edit;
    writeFileSync(path, next);
  }
  if (options.git) {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    git("-c", "user.name=t", "-c", "user.email=t@example.test", "add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.test", "commit", "-q", "-m", "fleet");
  }
  return { root, flake };
}

/** Breakages used across the suites, each in a different file of the example fleet. */
export const breakages = {
  /** db: a failed NixOS-style assertion. */
  dbAssertion: { "hosts/db.nix": (s: string) => s.replace("port = 5432;", "port = 80;") },
  /** web: an undefined variable at hosts/web.nix:4:24. */
  webUndefined: { "hosts/web.nix": (s: string) => s.replace('services = [ "nginx" "acme" ];', 'services = [ "nginx" acmeClient ];') },
  /** flake.nix: a syntax error at flake.nix:7:16. */
  flakeSyntax: { "flake.nix": (s: string) => s.replace("hosts = {", "hosts = {{") },
  /** checks: two hosts with one name make the hostnames-unique check fail its build. */
  failingCheck: {
    "flake.nix": (s: string) => s.replace("mgmt = ./hosts/mgmt.nix;", "mgmt = ./hosts/mgmt.nix;\n        mgmt2 = ./hosts/mgmt.nix;"),
    "hosts/mgmt.nix": (s: string) => s.replace("networking.hostName = name;", 'networking.hostName = "mgmt";'),
  },
  /** checks: a check whose input derivation fails to build ("1 dependencies of derivation ... failed"). */
  failingDependency: {
    "flake.nix": (s: string) =>
      s.replace(
        /checks\.\$\{system\}\.hostnames-unique = lib\.checkUniqueHostnames \{\n\s*inherit system;\n\s*configurations = self\.nixosConfigurations;\n\s*\};/,
        `checks.\${system} = {
        hostnames-unique = lib.checkUniqueHostnames { inherit system; configurations = self.nixosConfigurations; };
        dependency-fails = derivation {
          name = "check-dependency-fails";
          inherit system;
          builder = "/bin/sh";
          args = [ "-c" "echo ok > $out" ];
          dep = derivation { name = "broken-input"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo 'input is broken' >&2; exit 3" ]; };
        };
      };`,
      ),
  },
} satisfies Record<string, FleetEdits>;
