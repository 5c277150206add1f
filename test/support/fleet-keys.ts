import { execFileSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Keys of the shapes a NixOS fleet holds, made fresh for each test run (nothing here is anyone's
 * credential): ssh keys by ssh-keygen, age and WireGuard keys by their documented formats.
 */
const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

function bech32(n: number): string {
  return Array.from({ length: n }, () => BECH32[randomInt(BECH32.length)]).join("");
}

/** An age recipient (public): `age1` + 58 bech32 characters. */
export function ageRecipient(): string {
  return `age1${bech32(58)}`;
}

/** An age identity (private): `AGE-SECRET-KEY-1` + 58 upper-case bech32 characters. */
export function ageSecretKey(): string {
  return `AGE-SECRET-KEY-1${bech32(58).toUpperCase()}`;
}

/** A WireGuard key (public or private look alike): 32 bytes, base64. `plain`: without + or /. */
export function wireguardKey(o: { plain?: boolean; withSlash?: boolean } = {}): string {
  for (;;) {
    const key = randomBytes(32).toString("base64");
    if (o.plain && /[+/]/.test(key)) continue;
    if (o.withSlash && !/[+/]/.test(key)) continue;
    return key;
  }
}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** A radicle id: `did:key:z6Mk` and a base58 ed25519 public key. */
export function didKey(): string {
  return `did:key:z6Mk${Array.from({ length: 44 }, () => BASE58[randomInt(BASE58.length)]).join("")}`;
}

/** A fresh ed25519 key pair from ssh-keygen. */
export function sshKeyPair(comment: string): { publicKey: string; privateKey: string } {
  const dir = mkdtempSync(join(tmpdir(), "fleet-key-"));
  try {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", join(dir, "key")]);
    return { publicKey: readFileSync(join(dir, "key.pub"), "utf8").trim(), privateKey: readFileSync(join(dir, "key"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The public side of a fleet, as NixOS configurations, sops and agenix write it. */
export function publicFleetFiles(): Record<string, string> {
  const [admin, web, db] = [sshKeyPair("alice@laptop"), sshKeyPair("root@web"), sshKeyPair("root@db")];
  const [alice, host] = [ageRecipient(), ageRecipient()];
  return {
    "hosts/web/wireguard.nix": `{ config, ... }:
{
  networking.wireguard.interfaces.wg0 = {
    privateKeyFile = config.sops.secrets.wg.path;
    peers = [
      { publicKey = "${wireguardKey({ plain: true })}"; allowedIPs = [ "10.0.0.2/32" ]; }
      {
        publicKey = "${wireguardKey({ plain: true })}";
        endpoint = "vpn.example.org:51820";
      }
    ];
  };
  systemd.network.netdevs."10-wg1".wireguardPeers = [
    { wireguardPeerConfig = { PublicKey = "${wireguardKey({ plain: true })}"; AllowedIPs = [ "10.1.0.3/32" ]; }; }
  ];
}
`,
    "hosts/web/ssh.nix": `{
  users.users.root.openssh.authorizedKeys.keys = [
    "${admin.publicKey}"
  ];
  services.openssh.knownHosts.db.publicKey = "${db.publicKey}";
  programs.ssh.knownHosts.web = { publicKey = "${web.publicKey}"; };
}
`,
    ".sops.yaml": `keys:
  - &admin_alice ${alice}
  - &host_web ${host}
creation_rules:
  - path_regex: secrets/[^/]+\\.yaml$
    key_groups:
      - age:
          - *admin_alice
          - *host_web
`,
    "secrets/secrets.nix": `let
  alice = "${admin.publicKey}";
  web = "${web.publicKey}";
  webAgeKey = "${host}";
in
{
  "wg.age".publicKeys = [ alice web ];
}
`,
    "keys/alice.txt": `# created: 2026-12-01T10:00:00Z\n# public key: ${alice}\n`,
    // sops-nix's user keys: a PGP fingerprint under "publickey".
    "sops/users/alice/key.json": `{\n  "publickey": "${randomBytes(20).toString("hex").toUpperCase()}",\n  "type": "pgp"\n}\n`,
    // tinc (retiolum) host keys, unpadded base64.
    "vars/web/tinc.ed25519_key.pub": `Ed25519PublicKey = ${randomBytes(32).toString("base64").replace(/=+$/, "")}\n`,
    "hosts/web/radicle.nix": `{\n  services.radicle.settings.preferredSeeds = [\n    "${didKey()}@seed.example.org:8776"\n  ];\n  nodeId = "${didKey()}";\n}\n`,
  };
}

/** Shannon entropy in bits per character, as gitleaks computes it for a rule's `entropy`. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.values()].reduce((e, n) => e - (n / text.length) * Math.log2(n / text.length), 0);
}

/**
 * A random 48-hex-digit token that gitleaks' generic-api-key rule finds. The rule ignores values of
 * entropy under 3.5 and values holding one of its stopwords; hex can spell "dead", "feed",
 * "000000" and "aaaaaa" of those. About 1 random hex token in 100 fell to one or the other
 * (measured on 8.16).
 */
function hexToken(): string {
  for (;;) {
    const token = randomBytes(24).toString("hex");
    if (entropy(token) >= 3.6 && !/dead|feed|0{6}|a{6}/.test(token)) return token;
  }
}

/** A WireGuard key whose `+` and `/` cut it into runs of at most 9 characters, with at least one `+`. */
function choppedWireguardKey(): string {
  for (;;) {
    const key = randomBytes(32).toString("base64");
    if (key.includes("+") && key.split(/[+/]/).every((run) => run.length <= 9)) return key;
  }
}

/** The private side: each file holds one private key the scan must find, on the line given. */
export function privateFleetFiles(): Record<string, { content: string; line: number }> {
  const recipient = ageRecipient();
  return {
    "hosts/db/wireguard.nix": { content: `{\n  networking.wireguard.interfaces.wg0.privateKey = "${wireguardKey({ plain: true })}";\n}\n`, line: 2 },
    // gitleaks' own rules miss this one (a + or / in the base64): the fleet config's rule finds it.
    "hosts/db/wg1.nix": { content: `{\n  networking.wireguard.interfaces.wg1 = {\n    privateKey = "${wireguardKey({ withSlash: true })}";\n  };\n}\n`, line: 3 },
    "keys/host.txt": { content: `# created: 2026-12-01T10:00:00Z\n# public key: ${recipient}\n${ageSecretKey()}\n`, line: 3 },
    "keys/deploy_ed25519": { content: sshKeyPair("deploy@ci").privateKey, line: 1 },
    // A value taken from the line below a public key's: not allowed either.
    "hosts/db/token.nix": { content: `{\n  x = [ "${ageRecipient()}" ]; token =\n  "${hexToken()}";\n}\n`, line: 2 },
    // A public key beside a private one on one line: the line is not allowed.
    "hosts/db/peer.nix": { content: `{ publicKey = "${wireguardKey()}"; privateKey = "${wireguardKey()}"; }\n`, line: 1 },
    // The same with a private key that + and / cut into short runs, as an address's dots do.
    "hosts/db/peer2.nix": { content: `{ publicKey = "${wireguardKey()}"; privateKey = "${choppedWireguardKey()}"; }\n`, line: 1 },
  };
}
