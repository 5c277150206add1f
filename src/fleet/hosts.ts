import type { Nix } from "../nix/nix.js";

/** Host names as the `hosts` filter accepts them; also what keeps a name safe inside a Nix string. */
export const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Nix's identifier grammar: a name that needs no quotes in an attribute path. Not a host-name rule. */
const NIX_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** An attribute name as Nix wants it in an attribute path: quoted unless it is a plain identifier. */
export function attrName(name: string): string {
  return NIX_IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/**
 * A toplevel derivation as { drv, out, system }. `outPath` is never a key: toJSON would collapse
 * the set to that string.
 */
export const TOPLEVEL_FIELDS = "t: { drv = t.drvPath; out = t.outPath; system = t.system; }";

export function hostInstallable(flake: string, host: string, attribute: string): string {
  return `${flake}#nixosConfigurations.${attrName(host)}.${attribute}`;
}

/**
 * Host names come from the flake, and go into logs, reports and Nix expressions: a name that is
 * no host name (a newline and a workflow command in it, say) makes the flake an error, shown escaped.
 */
export function checkHostNames(names: string[]): string[] {
  const bad = names.filter((n) => !HOST_NAME.test(n));
  if (bad.length) {
    throw new Error(`nixosConfigurations has names that are not host names (letters, digits, '_', '.', '-'): ${bad.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  return names;
}

/** The names of the flake's nixosConfigurations, without evaluating any host. */
export async function listHosts(nix: Nix, flake: string, extraArgs: string[] = []): Promise<string[]> {
  return checkHostNames(await nix.evalJson<string[]>(`${flake}#nixosConfigurations`, { apply: "builtins.attrNames", extraArgs }));
}

export interface HostToplevel {
  drv: string;
  out: string;
  system: string;
}

/** One host's toplevel derivation, evaluated on its own so that other hosts cannot break it. */
export async function evalHostToplevel(nix: Nix, flake: string, host: string, extraArgs: string[] = []): Promise<HostToplevel> {
  return nix.evalJson<HostToplevel>(hostInstallable(flake, host, "config.system.build.toplevel"), {
    apply: TOPLEVEL_FIELDS,
    extraArgs,
  });
}
