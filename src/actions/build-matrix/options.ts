import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { CACHIX_NAME } from "../../cache/cachix.js";
import { parseNetrc, type NetrcEntry } from "../../cache/netrc.js";
import { HOST_NAME } from "../../fleet/hosts.js";
import { CACHE_SCHEMES, PUSH_SCHEMES, storeUriProblem } from "../../cache/store-uri.js";
import { InputError, type InputLabel, type Inputs } from "../../runner/inputs.js";
import { refuseUrlCredentials } from "../../git/remote-url.js";
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
  /** How inputs are named in errors found while running (a host the flake lacks): as they were read. */
  inputLabel?: InputLabel;
}

function host(inputs: Inputs, name: string, value: string): string {
  if (!HOST_NAME.test(value)) throw inputs.error(name, `'${value}' is not a host name. Expected names of nixosConfigurations, such as web or db-1.`);
  return value;
}

/**
 * Credentials in a cache URL would reach Nix's NIX_CONFIG or argv and every "unable to download"
 * message Nix prints: masked at once, and refused in favour of the netrc.
 */
function refuseCredentials(inputs: Inputs, name: string, url: string): void {
  const instead = /^https?:/i.test(url)
    ? "the credentials in the netrc (cache-netrc: machine <host> login <user> password <token>)"
    : "an ssh key the runner's ssh configuration offers";
  refuseUrlCredentials(inputs, name, url, instead);
}

/** A substituter URL (its credentials already refused), checked before it is written into nix.conf. */
function readCacheUrl(inputs: Inputs, url: string): string {
  const problem = storeUriProblem(url, CACHE_SCHEMES, "cache");
  if (problem) throw inputs.error("caches", `${problem}. Expected http(s)://, file:// or s3:// substituter URLs, one per line or comma.`);
  return url;
}

export function parsePushTarget(inputs: Inputs, value: string | undefined): PushTarget | undefined {
  if (!value) return undefined;
  const expected = "a store URI (ssh-ng://user@host, file:///dir, s3://bucket, https://cache) or cachix:<name>";
  if (value.startsWith("cachix:")) {
    const name = value.slice("cachix:".length);
    if (!CACHIX_NAME.test(name)) throw inputs.error("push-to", `'${name}' is not a Cachix cache name. Expected cachix:<name> with lower-case letters, digits and dashes.`);
    return { kind: "cachix", name };
  }
  refuseCredentials(inputs, "push-to", value);
  const problem = storeUriProblem(value, PUSH_SCHEMES, "push");
  if (problem) throw inputs.error("push-to", `${problem}. Expected ${expected}.`);
  return { kind: "store", uri: value };
}

/** The hosts the user named: `host` in mode build, else the `hosts` filter (empty: none named). */
export function askedHosts(options: BuildMatrixOptions): { input: "host" | "hosts"; hosts: string[] } {
  return options.mode === "build" && options.host ? { input: "host", hosts: [options.host] } : { input: "hosts", hosts: options.hosts };
}

/** Throws the InputError for named hosts the flake lacks (see unknownHostsProblem). */
export function checkHostsKnown(options: BuildMatrixOptions, known: readonly string[]): void {
  const { input, hosts } = askedHosts(options);
  const problem = unknownHostsProblem(hosts, known);
  if (problem) throw new InputError(input, problem, options.inputLabel?.(input));
}

/**
 * Hosts asked for (`hosts`, or `host` in mode build) that the flake lacks, as an error naming the
 * hosts it has: found once the hosts are listed, before anything is evaluated further or built.
 */
export function unknownHostsProblem(asked: readonly string[], known: readonly string[]): string | undefined {
  const unknown = asked.filter((h) => !known.includes(h));
  if (!unknown.length) return undefined;
  const names = unknown.map((h) => `'${h}'`).join(", ");
  const has = known.length ? `the flake's hosts are ${known.join(", ")}` : "the flake has no hosts";
  return `${names} ${unknown.length === 1 ? "is not a host" : "are not hosts"} of the flake (nixosConfigurations). Expected names of nixosConfigurations: ${has}.`;
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
  // Every cache's credentials masked before any cache's error can print them.
  const cacheValues = inputs.list("caches");
  for (const cache of cacheValues) refuseCredentials(inputs, "caches", cache);
  const caches = cacheValues.map((cache) => readCacheUrl(inputs, cache));
  const cachePublicKeys = inputs.list("cache-public-keys");
  for (const key of cachePublicKeys) {
    // No '#' in the name: in the nix.conf line the keys go into, it would start a comment.
    if (!/^[^:\s#]+:[A-Za-z0-9+/]{43}=$/.test(key)) throw inputs.error("cache-public-keys", `'${key}' is not a Nix public key. Expected <name>:<base64 Ed25519 key>, as nix key convert-secret-to-public prints.`);
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
  const pushTo = parsePushTarget(inputs, inputs.optionalString("push-to"));
  if (pushTo?.kind === "cachix" && !cachixAuthToken) {
    throw inputs.error("cachix-auth-token", `it is required to push to cachix:${pushTo.name}. Expected the cache's auth token from a secret.`);
  }

  return {
    mode,
    ...flakeRef,
    extraArgs: readExtraArgs(inputs, "extra-args", {}),
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
    inputLabel: inputs.label,
  };
}
