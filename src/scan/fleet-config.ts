/**
 * The gitleaks config used when the repository brings none: gitleaks' own rules, plus what a
 * NixOS fleet needs. Fleets are full of PUBLIC keys that gitleaks' generic-api-key rule takes for
 * secrets (age recipients, WireGuard `publicKey = "..."`, sops recipients, ssh public keys): on
 * two real fleets every finding was one, and the step told the user to rotate them. The private
 * keys of the same tools are still found: `AGE-SECRET-KEY-1...` (gitleaks' age rule),
 * `-----BEGIN OPENSSH PRIVATE KEY-----` (its private-key rule) and, added here, WireGuard's
 * `privateKey = "..."`.
 *
 * The allowlist looks at the whole line (gitleaks' `regexTarget = "line"`), since a WireGuard
 * public key has the same shape as a private one and only its name tells them apart. Beside the
 * shapes above it allows what fleets hold as well: keys under a name saying "public" (tinc,
 * Matrix, nostr, sops' PGP fingerprints) and radicle's `did:key:` ids. A line is
 * allowed only when every value on it that gitleaks could take for a secret is a public key: any
 * other quoted value with a run of 10 or more letters, digits, `_`, `-` or `=` (gitleaks'
 * generic rule reports nothing shorter) keeps the line reported. Unquoted values beside a public key on the same
 * line are not looked at (Nix quotes every string; YAML and INI hold one value per line).
 */

/**
 * Runs of these make up the values gitleaks' generic rule reports. Dots, slashes and colons split
 * runs, so that addresses (`10.0.0.2/32`) and host names stay harmless; a real token is one long run.
 * A plus does not split runs and makes no value harmless: base64 has it, and a key whose `+` and
 * `/` happened to cut it into short runs would be taken for harmless (about 3 WireGuard keys in
 * 10,000 were). With `/` alone splitting, about 7 in a million still are.
 */
const TOKEN = String.raw`[\w=-]`;
const NOT_TOKEN = String.raw`[^\w="'\n+-]`;
/** A quoted value no run of which is long enough to be reported. */
const SHORT_QUOTED = String.raw`"(?:${TOKEN}{0,9}${NOT_TOKEN})*${TOKEN}{0,9}"|'(?:${TOKEN}{0,9}${NOT_TOKEN})*${TOKEN}{0,9}'`;
/** Anything on a line that is not a value that could be a secret. */
const HARMLESS = String.raw`(?:[^"'\n]|${SHORT_QUOTED})`;
/** age recipients: `age1` and 58 bech32 characters (age's format; the secret key is `AGE-SECRET-KEY-1...`, upper case). */
const AGE_RECIPIENT = String.raw`age1[02-9ac-hj-np-z]{58}`;
/** OpenSSH public keys (authorized_keys / known_hosts form), with an optional comment. */
const SSH_PUBLIC_KEY = String.raw`(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA[0-9A-Za-z+/]+={0,3}(?: [^"'\n]{0,100})?`;
/** Radicle node and user ids: `did:key:` and a base58 ed25519 public key. */
const DID_KEY = String.raw`did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}`;
/**
 * A key in base64 (padded or not) or hex under a name saying it is the public one (`publicKey`,
 * `PublicKey`, `public_key`, `Ed25519PublicKey`, `peerPubkey`, sops' `"publickey"` PGP fingerprint):
 * WireGuard, tinc, Matrix and nostr keys all have the shape of their private halves, only the
 * name tells them apart.
 */
const NAMED_PUBLIC = String.raw`["']?[\w.-]*(?i:public_?key|pub_?key)["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{40,88}={0,2}["']?`;
const PUBLIC = String.raw`["']?(?:${AGE_RECIPIENT}|${SSH_PUBLIC_KEY}|${DID_KEY})["']?|${NAMED_PUBLIC}`;
/**
 * gitleaks 8.16 gives as "the line" the lines the match spans, from the newline before it, and its
 * generic rule's match takes the newline after the value (so the next line comes along): both
 * are allowed for. The next line must be harmless too, since a match may start on one line and
 * take its value from the next (`token =` at the end of a line, the secret below it).
 */
export const PUBLIC_KEY_LINE = String.raw`^\n?${HARMLESS}*(?:${PUBLIC})(?:${HARMLESS}|${PUBLIC})*(?:\n${HARMLESS}*)?\n?$`;

/** WireGuard private keys, which gitleaks' own rules find only when the base64 has no + or /. */
const WIREGUARD_PRIVATE = String.raw`(?i)private_?key["']?\s*[:=]\s*["']?([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)`;

export const FLEET_CONFIG_NAME = "nix-fleet-gitleaks.toml";

/** The config itself (TOML literal strings: no escapes, so the regexes stay as written above). */
export const FLEET_CONFIG = `# nix-fleet-actions' default gitleaks config: gitleaks' own rules, the public keys of NixOS
# fleets allowed, WireGuard private keys found. A repository's .gitleaks.toml replaces it.
title = "nix-fleet: gitleaks defaults for NixOS fleets"

[extend]
useDefault = true

[[rules]]
id = "wireguard-private-key"
description = "WireGuard private key"
regex = '''${WIREGUARD_PRIVATE}'''
secretGroup = 1
keywords = ["privatekey", "private_key"]
tags = ["key", "WireGuard"]

[allowlist]
description = "public keys of NixOS fleets: age and sops recipients, keys named public (WireGuard, tinc, PGP), ssh public keys, did:key ids"
regexTarget = "line"
regexes = ['''${PUBLIC_KEY_LINE}''']
`;

/** Which rules gitleaks runs with, in the order gitleaks itself looks (REFERENCE.md, gitleaks). */
export type RulesSource =
  | { kind: "config"; path: string }
  | { kind: "environment"; variable: "GITLEAKS_CONFIG" | "GITLEAKS_CONFIG_TOML" }
  | { kind: "repository" }
  | { kind: "fleet-defaults" };

/**
 * The repository's own choice wins: the `config` input, then GITLEAKS_CONFIG(_TOML), then
 * `.gitleaks.toml` in `source` (for a pull request, the base commit's copy). Only without any of
 * them do the fleet defaults apply.
 */
export function rulesSource(config: string | undefined, source: string, env: NodeJS.ProcessEnv, has: (path: string) => boolean): RulesSource {
  if (config) return { kind: "config", path: config };
  if (env.GITLEAKS_CONFIG) return { kind: "environment", variable: "GITLEAKS_CONFIG" };
  if (env.GITLEAKS_CONFIG_TOML) return { kind: "environment", variable: "GITLEAKS_CONFIG_TOML" };
  if (has(`${source}/.gitleaks.toml`)) return { kind: "repository" };
  return { kind: "fleet-defaults" };
}

export function describeRules(rules: RulesSource): string {
  switch (rules.kind) {
    case "config":
      return `the config input (${rules.path})`;
    case "environment":
      return rules.variable;
    case "repository":
      return "the repository's .gitleaks.toml";
    case "fleet-defaults":
      return "gitleaks' default rules with nix-fleet's allowlist of NixOS fleets' public keys";
  }
}
