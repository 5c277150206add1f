import type { Nix } from "../nix/nix.js";
import { nixErrorMessage } from "../nix/nix.js";
import { mapConcurrent } from "../process/concurrency.js";
import { checkHostNames, evalHostToplevel, HOST_NAME, listHosts, TOPLEVEL_FIELDS, type HostToplevel } from "./hosts.js";

export interface EvaluatedHost extends HostToplevel {
  host: string;
}

export interface EvalFailure {
  host: string;
  message: string;
}

export interface FleetEvaluation {
  hosts: EvaluatedHost[];
  failed: EvalFailure[];
  /** True when the one evaluation failed and hosts were evaluated one by one. */
  isolated: boolean;
}

/**
 * The Nix function that turns nixosConfigurations into { host = { drv, out, system }; }, limited
 * to the selected hosts. `outPath` is never a key: toJSON would collapse the set to that string.
 */
export function toplevelsExpression(selected: readonly string[]): string {
  for (const name of selected) if (!HOST_NAME.test(name)) throw new Error(`'${name}' is not a host name`);
  const pick = selected.length
    ? `builtins.intersectAttrs (builtins.listToAttrs (map (n: { name = n; value = null; }) [ ${selected.map((n) => JSON.stringify(n)).join(" ")} ])) cs`
    : "cs";
  return (
    `cs: builtins.mapAttrs (n: c: (${TOPLEVEL_FIELDS}) c.config.system.build.toplevel) (${pick})`
  );
}

/**
 * Every selected host's toplevel derivation, output and system in ONE evaluation. When that fails
 * (one broken host fails it all), hosts are evaluated separately, `concurrency` at a time, so that
 * a broken host is named broken and the others are still planned. A selected host the flake does
 * not have is a failure too: no host is ever dropped silently.
 */
export async function evaluateFleet(
  nix: Nix,
  flake: string,
  selected: readonly string[],
  options: { concurrency?: number; onHost?: (host: string, ok: boolean, seconds: number) => void } = {},
): Promise<FleetEvaluation> {
  const missing = (names: readonly string[]): EvalFailure[] =>
    selected.filter((h) => !names.includes(h)).map((host) => ({ host, message: `the flake has no nixosConfigurations.${host}` }));
  try {
    const all = await nix.evalJson<Record<string, HostToplevel>>(`${flake}#nixosConfigurations`, { apply: toplevelsExpression(selected) });
    checkHostNames(Object.keys(all));
    const hosts = Object.entries(all).map(([host, t]) => ({ host, ...t }));
    return { hosts: sortByHost(hosts), failed: missing(Object.keys(all)), isolated: false };
  } catch (error) {
    // Without even the list of hosts the flake itself is broken: nothing can be planned.
    const names = await listHosts(nix, flake);
    const wanted = selected.length ? names.filter((n) => selected.includes(n)) : names;
    const hosts: EvaluatedHost[] = [];
    const failed: EvalFailure[] = missing(names);
    await mapConcurrent(wanted, options.concurrency ?? 4, async (host) => {
      const started = Date.now();
      try {
        hosts.push({ host, ...(await evalHostToplevel(nix, flake, host)) });
        options.onHost?.(host, true, (Date.now() - started) / 1000);
      } catch (e) {
        failed.push({ host, message: nixErrorMessage(e) });
        options.onHost?.(host, false, (Date.now() - started) / 1000);
      }
    });
    if (!hosts.length && !failed.length) throw error;
    return { hosts: sortByHost(hosts), failed: sortByHost(failed), isolated: true };
  }
}

function sortByHost<T extends { host: string }>(list: T[]): T[] {
  // Plain code-point order: the same on every runner, whatever its locale.
  return list.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
