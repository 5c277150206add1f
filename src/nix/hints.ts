import type { Hint } from "../runner/user-error.js";

/**
 * Nix's failures that are the user's setup, not their fleet: recognised by stderr, each with the
 * fix (userErrorFromHints in src/runner/user-error.ts turns them into UserErrors).
 */
export const NIX_HINTS: readonly Hint[] = [
  {
    // Relative `path:` inputs are locked without a narHash; Nix 2.8 refuses such a lock file
    // outright, even when the input is overridden. Nix's 2.26 release notes introduce relative
    // path inputs and say earlier versions cannot use such lock files (read there, not run here).
    pattern: /lockfile contains mutable lock '([^\n]*?"type":"path"[^\n]*?)'/,
    problem: (m) =>
      `The flake's lock file has a relative path input (${m[1]}), which this Nix cannot read: it refuses any lock file holding a path input without a narHash.`,
    fix: "Run with Nix 2.26 or newer (the release that added relative path inputs, per its release notes), or make the input a git+file: or github: input and run `nix flake lock` again.",
  },
  {
    pattern: /lockfile contains mutable lock '([^\n]*)'/,
    problem: (m) => `The flake's lock file has an input locked without a hash (${m[1]}), which this Nix cannot read.`,
    fix: "Lock the input to a fixed revision with `nix flake lock` on a current Nix, or run with a newer Nix.",
  },
];
