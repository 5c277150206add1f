import type { NixError } from "../nix/errors.js";
import { Nix, nixErrorsOf } from "../nix/nix.js";
import { UserError } from "../runner/user-error.js";
import { concurrencyLimit, mapConcurrent } from "../process/concurrency.js";
import { checkHostNames, evalHostToplevel, HOST_NAME, listHosts, type HostToplevel } from "./hosts.js";

/**
 * The one evaluation of a fleet's hosts, used by flake-check, plan and build alike: every
 * selected host's toplevel instantiated (drvPath forced, which `nix flake check` never does) in
 * ONE `nix eval`. A broken host costs a few more Nix processes, never one per good host:
 * - a `throw` or failed `assert` (what NixOS option type errors and assertions are) is caught per
 *   host by builtins.tryEval inside that one evaluation, and only those hosts are evaluated again,
 *   alone, for their message;
 * - an error tryEval cannot catch (undefined variable, missing attribute, a value of the wrong
 *   type in a builtin) fails the whole call: the host Nix's trace names (each host is evaluated
 *   in an error context naming it) is broken, and the others are evaluated again, less those
 *   whose results the failed call had already traced on stderr; when the trace names no host, the
 *   list is halved and each half evaluated again, down to the hosts that fail alone. The processes
 *   grow with the broken hosts (× log2(N) at worst), not with the good ones.
 */

export interface EvaluatedHost extends HostToplevel {
  host: string;
}

export interface HostEvalFailure {
  host: string;
  /** Nix's errors for this host evaluated alone (or why it could not be evaluated at all). */
  errors: NixError[];
}

export interface FleetEvaluation {
  hosts: EvaluatedHost[];
  failed: HostEvalFailure[];
  /** How many `nix eval` processes it took (1 when every host evaluates). */
  nixCalls: number;
}

/** The hosts could not even be listed: the flake, or nixosConfigurations as a whole, is broken. */
export class HostsUnlistedError extends Error {
  constructor(readonly errors: NixError[]) {
    super(`the hosts could not be listed: ${errors[0]?.message ?? "nix eval failed"}`);
    this.name = "HostsUnlistedError";
  }
}

/**
 * The Nix function that turns nixosConfigurations into { host = { drv, out, system } or null; },
 * limited to the selected hosts: null where evaluating the host threw. `outPath` is never a key:
 * toJSON would collapse the set to that string. deepSeq forces both strings inside tryEval, so
 * that a throw in the derivation's attributes is caught there, not when JSON is printed.
 */
export function toplevelsExpression(selected: readonly string[]): string {
  for (const name of selected) if (!HOST_NAME.test(name)) throw new Error(`'${name}' is not a host name`);
  const pick = selected.length
    ? `builtins.intersectAttrs (builtins.listToAttrs (map (n: { name = n; value = null; }) [ ${selected.map((n) => JSON.stringify(n)).join(" ")} ])) cs`
    : "cs";
  const fields = "let t = c.config.system.build.toplevel; v = { drv = t.drvPath; out = t.outPath; system = t.system; }; in builtins.deepSeq v v";
  // The error context names the host in Nix's trace, in the words `nix flake check` uses (which
  // the error parser reads as the host), so an error tryEval cannot catch still says whose it is.
  const context = "builtins.addErrorContext \"while checking the NixOS configuration 'nixosConfigurations.${n}'\"";
  // Each host's result is also traced (stderr) as it is done: when a later host fails the call,
  // the hosts before it need no second evaluation.
  // The names come first, for the same reason: a failed call then needs no listing of its own.
  const traced = `builtins.trace ("${TRACE_MARK}" + builtins.toJSON { host = n; value = v; }) v`;
  const each = `n: c: ${context} (let r = builtins.tryEval (${fields}); v = if r.success then r.value else null; in ${traced})`;
  return `cs: let picked = ${pick}; in builtins.trace ("${NAMES_MARK}" + builtins.toJSON (builtins.attrNames picked)) (builtins.mapAttrs (${each}) picked)`;
}

/** What starts the trace line of one evaluated host (after Nix's own "trace: "). */
const TRACE_MARK = "nix-fleet-host ";
/** What starts the trace line of the names of the hosts of a call. */
const NAMES_MARK = "nix-fleet-hosts ";

/** The names of a call's hosts from their trace line, if the line is that. */
export function tracedNames(line: string): string[] | undefined {
  if (!line.startsWith(`trace: ${NAMES_MARK}`)) return undefined;
  try {
    const names = JSON.parse(line.slice(`trace: ${NAMES_MARK}`.length)) as unknown;
    return Array.isArray(names) && names.every((n) => typeof n === "string") ? (names as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** One host's result from its trace line, if the line is one (and names a host of `group`, when given). */
export function tracedHost(line: string, group?: readonly string[]): { host: string; value: HostToplevel | null } | undefined {
  const at = line.indexOf(TRACE_MARK);
  if (!line.startsWith("trace: ") || at < 0) return undefined;
  try {
    const parsed = JSON.parse(line.slice(at + TRACE_MARK.length)) as { host?: unknown; value?: unknown };
    if (typeof parsed.host !== "string" || !HOST_NAME.test(parsed.host) || (group && !group.includes(parsed.host))) return undefined;
    const v = parsed.value as Record<string, unknown> | null;
    if (v === null) return { host: parsed.host, value: null };
    if (typeof v?.drv !== "string" || typeof v.out !== "string" || typeof v.system !== "string") return undefined;
    return { host: parsed.host, value: { drv: v.drv, out: v.out, system: v.system } };
  } catch {
    return undefined;
  }
}

export interface EvaluateOptions {
  /** Evaluation flags from extra-args (--override-input, ...), given to every call. */
  extraArgs?: string[];
  /**
   * How many Nix evaluations run at once while broken hosts are isolated (each may hold a whole
   * nixpkgs evaluation in memory). Default 2.
   */
  concurrency?: number;
}

/**
 * Every selected host's toplevel derivation, output and system (empty selection: every host). A
 * selected host the flake does not have is a failure too: no host is ever dropped silently.
 * Throws HostsUnlistedError when not even the names of the hosts can be had, and a UserError when
 * the running Nix cannot read the flake at all.
 */
export async function evaluateFleet(nix: Nix, flake: string, selected: readonly string[], options: EvaluateOptions = {}): Promise<FleetEvaluation> {
  const extraArgs = options.extraArgs ?? [];
  let nixCalls = 0;
  const limit = concurrencyLimit(options.concurrency ?? 2);
  const values = new Map<string, HostToplevel | null>();
  /** The names the first call traced before it failed, if it got that far. */
  let firstNames: string[] | undefined;
  const evalGroup = (names: readonly string[]) =>
    limit(async () => {
      const first = nixCalls++ === 0;
      const traced = new Map<string, HostToplevel | null>();
      try {
        return await nix.evalJson<Record<string, HostToplevel | null>>(`${flake}#nixosConfigurations`, {
          apply: toplevelsExpression(names),
          extraArgs,
          onStderrLine: (line) => {
            const t = tracedHost(line, names.length ? names : undefined);
            if (t) traced.set(t.host, t.value);
            else if (first) firstNames ??= tracedNames(line);
          },
        });
      } catch (error) {
        // The hosts done before the failure are kept: they are not evaluated again.
        for (const [host, value] of traced) values.set(host, value);
        throw error;
      }
    });
  const failed: HostEvalFailure[] = [];
  let names: string[];
  try {
    const all = await evalGroup(selected);
    names = checkHostNames(Object.keys(all));
    for (const [host, value] of Object.entries(all)) values.set(host, value);
  } catch (error) {
    if (error instanceof UserError) throw error;
    // Without even the list of hosts the flake itself is broken: nothing can be evaluated. The
    // failed call traced the names when it got as far as the hosts: else they are listed, for
    // Nix's own word on why they cannot be.
    try {
      // (With a selection, the traced names are the selected hosts the flake has: as good here.)
      if (firstNames) names = checkHostNames(firstNames);
      else {
        nixCalls++;
        names = await listHosts(nix, flake, extraArgs);
      }
    } catch (listing) {
      if (listing instanceof UserError) throw listing;
      throw new HostsUnlistedError(nixErrorsOf(listing));
    }
    const wanted = selected.length ? names.filter((n) => selected.includes(n)) : names;
    const tryGroup = async (group: readonly string[]): Promise<void> => {
      if (!group.length) return;
      try {
        for (const [host, value] of Object.entries(await evalGroup(group))) values.set(host, value);
      } catch (e) {
        if (e instanceof UserError) throw e;
        await isolate(group, e);
      }
    };
    // A group failed as a whole. Each host is evaluated inside an error context that names it, so
    // Nix's trace usually says which host failed: that one is broken (its error is this one), and
    // the rest not traced as done before the failure are evaluated again, in two halves side by
    // side. Without a name, the halves find it.
    const isolate = async (group: readonly string[], e: unknown): Promise<void> => {
      const errors = nixErrorsOf(e);
      const named = errors.map((x) => x.host).find((h): h is string => !!h && group.includes(h));
      if (named || group.length === 1) {
        const host = named ?? (group[0] as string);
        failed.push({ host, errors });
        const rest = group.filter((h) => h !== host && !values.has(h));
        const half = Math.ceil(rest.length / 2);
        await Promise.all([tryGroup(rest.slice(0, half)), tryGroup(rest.slice(half))]);
        return;
      }
      const pending = group.filter((h) => !values.has(h));
      const half = Math.ceil(pending.length / 2);
      await Promise.all([tryGroup(pending.slice(0, half)), tryGroup(pending.slice(half))]);
    };
    await isolate(wanted, error);
  }
  const hosts: EvaluatedHost[] = [];
  const threw: string[] = [];
  for (const [host, value] of values) {
    if (value) hosts.push({ host, ...value });
    else threw.push(host);
  }
  // Caught by tryEval, which keeps no message: each such host alone, for Nix's own error.
  await mapConcurrent(threw, options.concurrency ?? 2, async (host) => {
    nixCalls++;
    try {
      hosts.push({ host, ...(await evalHostToplevel(nix, flake, host, extraArgs)) });
    } catch (e) {
      if (e instanceof UserError) throw e;
      failed.push({ host, errors: nixErrorsOf(e) });
    }
  });
  for (const host of selected.filter((h) => !names.includes(h))) failed.push(missingHost(host));
  return { hosts: sortByHost(hosts), failed: sortByHost(failed), nixCalls };
}

function missingHost(host: string): HostEvalFailure {
  return { host, errors: [{ message: `the flake has no nixosConfigurations.${host}`, trace: [], ignored: false }] };
}

/**
 * The part of an evaluation of every host that `selected` asks for (empty: all of it), as
 * evaluateFleet would have given it: a selected host the flake lacks is a failure. It took no
 * Nix process of its own.
 */
export function selectHosts(evaluation: FleetEvaluation, selected: readonly string[]): FleetEvaluation {
  if (!selected.length) return { ...evaluation, nixCalls: 0 };
  const known = new Set([...evaluation.hosts, ...evaluation.failed].map((h) => h.host));
  return {
    hosts: evaluation.hosts.filter((h) => selected.includes(h.host)),
    failed: sortByHost([...evaluation.failed.filter((f) => selected.includes(f.host)), ...selected.filter((h) => !known.has(h)).map(missingHost)]),
    nixCalls: 0,
  };
}

function sortByHost<T extends { host: string }>(list: T[]): T[] {
  // Plain code-point order: the same on every runner, whatever its locale.
  return list.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
