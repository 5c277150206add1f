import type { Nix } from "../../nix/nix.js";

/** derivation path → checks.<system>.<name>, so that a failed build is named by its check. */
export async function checkNames(nix: Nix, flake: string, evalArgs: string[]): Promise<Map<string, string>> {
  const apply =
    "cs: builtins.mapAttrs (s: v: builtins.mapAttrs (n: c: let r = builtins.tryEval c.drvPath; in if r.success then r.value else null) v) cs";
  const names = new Map<string, string>();
  try {
    const checks = await nix.evalJson<Record<string, Record<string, string | null>>>(`${flake}#checks`, { apply, extraArgs: evalArgs });
    for (const [system, byName] of Object.entries(checks)) {
      for (const [name, drv] of Object.entries(byName)) if (drv) names.set(drv, `checks.${system}.${name}`);
    }
  } catch {
    // Naming is a nicety: without it the failed build is reported under its derivation path.
  }
  return names;
}
