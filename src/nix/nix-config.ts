/**
 * The one home of the nix.conf a run uses. Nix reads NIX_CONFIG after nix.conf, so the user's
 * nix.conf is left alone and everything this run needs goes into NIX_CONFIG, composed here.
 */

/**
 * Builds the NIX_CONFIG a run uses: the caller's own NIX_CONFIG kept, then what this toolkit needs
 * (flakes and the new CLI, added to whatever the caller enabled), then the run's own lines.
 */
export function composeNixConfig(callerConfig: string | undefined, extraConfig: string | undefined): string {
  const parts = [callerConfig?.trimEnd(), "extra-experimental-features = nix-command flakes", extraConfig?.trimEnd()];
  return parts.filter((p): p is string => !!p).join("\n");
}

export interface RunNixSettings {
  /** The user's own nix.conf lines for this run (the nix-config input): first, so ours add to them. */
  nixConfig?: string;
  /** Binary caches substituted from, on top of the configured ones. */
  substituters?: readonly string[];
  trustedPublicKeys?: readonly string[];
  /** This run's netrc (private caches); it replaces the configured one, whose machines it keeps. */
  netrcFile?: string;
}

/** The nix.conf lines of a run: the user's, then the caches, their keys and the netrc. `extra-` adds to nix.conf's own. */
export function runNixConfig(settings: RunNixSettings): string {
  const lines: string[] = settings.nixConfig ? [settings.nixConfig] : [];
  if (settings.substituters?.length) lines.push(`extra-substituters = ${settings.substituters.join(" ")}`);
  if (settings.trustedPublicKeys?.length) lines.push(`extra-trusted-public-keys = ${settings.trustedPublicKeys.join(" ")}`);
  if (settings.netrcFile) lines.push(`netrc-file = ${settings.netrcFile}`);
  return lines.join("\n");
}
