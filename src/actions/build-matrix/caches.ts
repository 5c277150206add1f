import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { cachixUrl } from "../../cache/cachix.js";
import { configuredNetrcFile, parseNetrc, type NetrcEntry } from "../../cache/netrc.js";
import { runNixConfig } from "../../nix/nix-config.js";
import type { Runtime } from "../../runner/runtime.js";
import type { BuildMatrixOptions } from "./options.js";

/**
 * Reading a cache needs the same credentials Nix would use: a Cachix token doubles as the netrc
 * password, for the caches read and for the cache pushed to (to confirm the push, and to read a
 * private one).
 */
export function cacheCredentials(options: BuildMatrixOptions): NetrcEntry[] {
  const entries = [...(options.cacheNetrc ?? [])];
  const token = options.cachixAuthToken;
  if (token) {
    const urls = [...options.caches, ...(options.pushTo?.kind === "cachix" ? [cachixUrl(options.pushTo.name)] : [])];
    for (const cache of urls) {
      const hostname = safeHostname(cache);
      if (hostname?.endsWith(".cachix.org") && !entries.some((e) => e.machine === hostname)) {
        entries.push({ machine: hostname, login: "", password: token });
      }
    }
  }
  return entries;
}

function safeHostname(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The substituters of this run: the caches, and a Cachix push target only when its key is given:
 * without it, Nix would ask the cache for every path and then refuse its unsigned-by-a-trusted-key
 * answers.
 */
export function runSubstituters(options: BuildMatrixOptions): string[] {
  const substituters = [...options.caches];
  const target = options.pushTo;
  if (target?.kind === "cachix" && options.cachePublicKeys.some((k) => k.startsWith(`${target.name}.cachix.org-`))) {
    const url = cachixUrl(target.name);
    if (!substituters.includes(url)) substituters.push(url);
  }
  return substituters;
}

/** nix.conf lines for this run only: the caches, their keys, and the netrc, on top of the user's own. */
export function nixConfigFor(options: BuildMatrixOptions, netrcFile: string | undefined): string {
  return runNixConfig({ nixConfig: options.nixConfig, substituters: runSubstituters(options), trustedPublicKeys: options.cachePublicKeys, netrcFile });
}

/**
 * The netrc Nix would read without this run (`netrc-file`, default `<conf dir>/netrc`): its
 * machines are kept, since this run's own netrc-file replaces it (private flake inputs need it).
 */
export async function userNetrc(runtime: Runtime, warn: (message: string) => void, nixConfig: string | undefined): Promise<NetrcEntry[]> {
  const confDir = process.env.NIX_CONF_DIR || "/etc/nix";
  const nixConf = await readFile(join(confDir, "nix.conf"), "utf8").catch(() => undefined);
  // The nix-config input comes after NIX_CONFIG, as in the run's own configuration.
  const file = configuredNetrcFile([process.env.NIX_CONFIG, nixConfig].filter(Boolean).join("\n") || undefined, nixConf, confDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") warn(`the netrc file ${file} cannot be read (${code ?? "error"}): Nix will not use its credentials in this run.`);
    return [];
  }
  const entries = parseNetrc(text);
  for (const entry of entries) if (entry.password) runtime.setSecret(entry.password);
  return entries;
}
