import type { Nix } from "../nix/nix.js";

/** An attribute name as Nix wants it in an attribute path: quoted unless it is a plain identifier. */
export function attrName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : JSON.stringify(name);
}

export function hostInstallable(flake: string, host: string, attribute: string): string {
  return `${flake}#nixosConfigurations.${attrName(host)}.${attribute}`;
}

/** The names of the flake's nixosConfigurations, without evaluating any host. */
export function listHosts(nix: Nix, flake: string): Promise<string[]> {
  return nix.evalJson<string[]>(`${flake}#nixosConfigurations`, { apply: "builtins.attrNames" });
}

export interface HostToplevel {
  drv: string;
  out: string;
  system: string;
}

/** One host's toplevel derivation, evaluated on its own so that other hosts cannot break it. */
export async function evalHostToplevel(nix: Nix, flake: string, host: string): Promise<HostToplevel> {
  return nix.evalJson<HostToplevel>(hostInstallable(flake, host, "config.system.build.toplevel"), {
    apply: "t: { drv = t.drvPath; out = t.outPath; system = t.system; }",
  });
}
