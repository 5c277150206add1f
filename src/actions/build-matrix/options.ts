import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { CACHIX_NAME } from "../../cache/cachix.js";
import { parseNetrc, type NetrcEntry } from "../../cache/netrc.js";
import { HOST_NAME } from "../../fleet/hosts.js";
import type { Inputs } from "../../runner/inputs.js";
import { displayUrl, urlCredentials } from "../../git/remote-url.js";
import { readExtraArgs } from "../../nix/extra-args.js";
import { readFlakeRef, readNixConfig } from "../../nix/flake-ref.js";

export type BuildMatrixMode = "plan" | "build" | "all";
export const MODES: readonly BuildMatrixMode[] = ["plan", "build", "all"];

/** Where built closures go: a Nix store URI (nix copy --to) or a Cachix cache (cachix push). */
export type PushTarget = { kind: "store"; uri: string } | { kind: "cachix"; name: string };

export interface BuildMatrixOptions {
  mode: BuildMatrixMode;
  flake: string;
  /** What Nix is given: a local path made absolute. */
  ref: string;
  /** The flake's directory on disk when it is local, to map error positions back to files. */
  localDir?: string;
  /** Evaluation flags (--override-input, ...), given to every evaluation; --option also to builds. */
  extraArgs: string[];
  /** Where paths are shown from when the flake is not in a git repository (and in a terminal). */
  workspace: string;
  /** Annotations name files from the repository root, as the forges place them (not in a terminal). */
  pathsFromRepositoryRoot: boolean;
  /** Only these hosts (empty: every host). */
  hosts: string[];
  /** For mode build. */
  host?: string;
  caches: string[];
  cachePublicKeys: string[];
  cacheNetrc?: NetrcEntry[];
  skipCached: boolean;
  pushTo?: PushTarget;
  signingKey?: string;
  cachixAuthToken?: string;
  maxParallel: number;
  /** How the cache check behaves; tests shorten it. */
  cacheCheck: { timeoutMs: number; retries: number; concurrency: number };
  /** The user's nix.conf lines for this run (access tokens for private inputs, say). */
  nixConfig?: string;
  /** A private 0700 directory is made under it for the netrc and key files. */
  tempRoot: string;
  /** Where the JSON report goes when the user chose (the CLI's --report); else a new dir under reportDir. */
  reportPath?: string;
  reportDir: string;
}

const STORE_SCHEMES = ["ssh-ng", "ssh", "file", "s3", "http", "https"];
const CACHE_SCHEMES = ["http", "https", "file", "s3"];

function host(inputs: Inputs, name: string, value: string): string {
  if (!HOST_NAME.test(value)) throw inputs.error(name, `'${value}' is not a host name. Expected names of nixosConfigurations, such as web or db-1.`);
  return value;
}

function scheme(value: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
}

/**
 * Credentials in a cache URL would reach Nix's NIX_CONFIG or argv and every "unable to download"
 * message Nix prints: masked at once, and refused in favour of the netrc.
 */
function refuseCredentials(inputs: Inputs, name: string, url: string): void {
  for (const s of urlCredentials(url)) inputs.mask(s);
  // Any userinfo of an http(s) URL is a credential (a token as the user name); elsewhere a password.
  const userinfo = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)@/i.exec(url);
  if (!userinfo || (!/^https?$/i.test(userinfo[1] ?? "") && !userinfo[2]?.includes(":"))) return;
  const instead = /^https?$/i.test(userinfo[1] ?? "")
    ? "the credentials in the netrc (cache-netrc: machine <host> login <user> password <token>)"
    : "an ssh key the runner's ssh configuration offers";
  throw inputs.error(name, `'${displayUrl(url)}' has credentials in it. Expected the URL without them, and ${instead}.`);
}

export function parsePushTarget(inputs: Inputs, value: string | undefined): PushTarget | undefined {
  if (!value) return undefined;
  const expected = "a store URI (ssh-ng://user@host, file:///dir, s3://bucket, https://cache) or cachix:<name>";
  if (value.startsWith("cachix:")) {
    const name = value.slice("cachix:".length);
    if (!CACHIX_NAME.test(name)) throw inputs.error("push-to", `'${name}' is not a Cachix cache name. Expected cachix:<name> with lower-case letters, digits and dashes.`);
    return { kind: "cachix", name };
  }
  const s = scheme(value);
  if (!s || !STORE_SCHEMES.includes(s)) throw inputs.error("push-to", `'${value}' is not a store URI this action pushes to. Expected ${expected}.`);
  return { kind: "store", uri: value };
}

export function readBuildMatrixOptions(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): BuildMatrixOptions {
  const mode = inputs.oneOf("mode", MODES, "plan");
  const flakeRef = readFlakeRef(inputs, "flake", cwd);

  const hosts = inputs.list("hosts").map((h) => host(inputs, "hosts", h));
  const hostValue = inputs.optionalString("host");
  if (mode === "build" && !hostValue) {
    throw inputs.error("host", "it is required with mode 'build'. Expected the host of this matrix job, such as ${{ matrix.host }}.");
  }
  const caches = inputs.list("caches");
  for (const cache of caches) refuseCredentials(inputs, "caches", cache);
  for (const cache of caches) {
    const s = scheme(cache);
    if (!s || !CACHE_SCHEMES.includes(s)) throw inputs.error("caches", `'${cache}' is not a binary cache URL. Expected http(s)://, file:// or s3:// substituter URLs.`);
  }
  const cachePublicKeys = inputs.list("cache-public-keys");
  for (const key of cachePublicKeys) {
    if (!/^[^:\s]+:[A-Za-z0-9+/]{43}=$/.test(key)) throw inputs.error("cache-public-keys", `'${key}' is not a Nix public key. Expected <name>:<base64 Ed25519 key>, as nix key convert-secret-to-public prints.`);
  }

  // Secrets are masked as they are read, before anything below can print them.
  const netrcText = inputs.secret("cache-netrc");
  const signingKey = inputs.secret("signing-key")?.trim();
  const cachixAuthToken = inputs.secret("cachix-auth-token")?.trim();

  let cacheNetrc: NetrcEntry[] | undefined;
  if (netrcText) {
    cacheNetrc = parseNetrc(netrcText);
    if (!cacheNetrc.length) throw inputs.error("cache-netrc", "it has no machine entry. Expected netrc text: machine <host> login <user> password <token>.");
  }
  if (signingKey && !/^[^:\s]+:[A-Za-z0-9+/]{86}==$/.test(signingKey)) {
    throw inputs.error("signing-key", "it is not a Nix secret key. Expected <name>:<base64>, as nix key generate-secret prints.");
  }
  const pushValue = inputs.optionalString("push-to");
  if (pushValue) refuseCredentials(inputs, "push-to", pushValue);
  const pushTo = parsePushTarget(inputs, pushValue);
  if (pushTo?.kind === "cachix" && !cachixAuthToken) {
    throw inputs.error("cachix-auth-token", `it is required to push to cachix:${pushTo.name}. Expected the cache's auth token from a secret.`);
  }

  return {
    mode,
    ...flakeRef,
    extraArgs: readExtraArgs(inputs, "extra-args"),
    workspace: env.GITHUB_WORKSPACE || cwd,
    pathsFromRepositoryRoot: !!env.GITHUB_WORKSPACE,
    hosts,
    host: hostValue === undefined ? undefined : host(inputs, "host", hostValue),
    caches,
    cachePublicKeys,
    cacheNetrc,
    skipCached: inputs.bool("skip-cached", true),
    pushTo,
    signingKey,
    cachixAuthToken,
    maxParallel: inputs.int("max-parallel", 2, { min: 1, max: 64 }),
    cacheCheck: { timeoutMs: 10_000, retries: 2, concurrency: 16 },
    nixConfig: readNixConfig(inputs, "nix-config"),
    tempRoot: env.RUNNER_TEMP || tmpdir(),
    reportDir: resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet"),
  };
}
