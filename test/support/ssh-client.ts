import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChecked } from "../../src/process/run.js";

/**
 * The client side of the test hosts: key pairs, certificate authorities and certificates made
 * with the real ssh-keygen, and an ssh_config that always checks host keys.
 */

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  /** The public key line, "ssh-ed25519 AAAA... comment". */
  publicKey: string;
}

/** A fresh ed25519 key pair in `dir` (no passphrase). Used for client keys and CA keys alike. */
export async function makeKeyPair(dir: string, name: string, comment = name): Promise<KeyPair> {
  const privateKeyPath = join(dir, name);
  await runChecked(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", privateKeyPath]);
  const publicKeyPath = `${privateKeyPath}.pub`;
  return { privateKeyPath, publicKeyPath, publicKey: readFileSync(publicKeyPath, "utf8").trim() };
}

export interface CertificateOptions {
  /** The signing CA's private key. */
  caPrivateKeyPath: string;
  /** The key to certify. The certificate is written beside it as `<key>-cert.pub`. */
  publicKeyPath: string;
  keyId: string;
  principals: string[];
  /** A host certificate (`-h`) instead of a user certificate. */
  host?: boolean;
  /** ssh-keygen -V form; default "+1h". */
  validity?: string;
}

/** Signs a public key as Vault's SSH engine does (ssh-keygen -s); returns the certificate path. */
export async function signCertificate(o: CertificateOptions): Promise<string> {
  const argv = ["ssh-keygen", "-q", "-s", o.caPrivateKeyPath, "-I", o.keyId, "-n", o.principals.join(","), "-V", o.validity ?? "+1h"];
  if (o.host) argv.push("-h");
  await runChecked([...argv, o.publicKeyPath]);
  return o.publicKeyPath.replace(/\.pub$/, "") + "-cert.pub";
}

export interface SshClientOptions {
  /** Lines for UserKnownHostsFile: a host's knownHostsLine, or `@cert-authority <pattern> <ca.pub>`. */
  knownHosts: string[];
  identityFile: string;
  /** A user certificate for identityFile; OpenSSH would also find `<identityFile>-cert.pub` itself. */
  certificateFile?: string;
}

export interface SshClient {
  dir: string;
  configPath: string;
  knownHostsPath: string;
  /**
   * `ssh -F <config> user@address -- command...`. ssh joins the words with spaces for the remote
   * user's shell, as it always does: quote inside a word when the remote side needs it.
   */
  argv(destination: string, command: string[]): string[];
  /** NIX_SSHOPTS for nix copy: just `-F <config>`, since Nix splits it on whitespace. */
  nixSshOpts: string;
  remove(): void;
}

/**
 * An ssh_config that uses exactly one identity and checks host keys strictly against the given
 * known_hosts lines only (no ~/.ssh, no global known_hosts), as the deploy action does.
 */
export function sshClient(o: SshClientOptions): SshClient {
  const dir = mkdtempSync(join(tmpdir(), "nfth-client-"));
  const knownHostsPath = join(dir, "known_hosts");
  const configPath = join(dir, "ssh_config");
  writeFileSync(knownHostsPath, o.knownHosts.map((l) => `${l.trim()}\n`).join(""));
  const lines = [
    "Host *",
    `  IdentityFile ${o.identityFile}`,
    "  IdentitiesOnly yes",
    ...(o.certificateFile ? [`  CertificateFile ${o.certificateFile}`] : []),
    `  UserKnownHostsFile ${knownHostsPath}`,
    "  GlobalKnownHostsFile /dev/null",
    "  StrictHostKeyChecking yes",
    "  BatchMode yes",
    "  PasswordAuthentication no",
    "  KbdInteractiveAuthentication no",
    "  ControlMaster no",
    "  ControlPath none",
    "  ConnectTimeout 10",
    "  LogLevel ERROR",
  ];
  writeFileSync(configPath, lines.join("\n") + "\n");
  chmodSync(configPath, 0o600);
  return {
    dir,
    configPath,
    knownHostsPath,
    argv: (destination, command) => ["ssh", "-F", configPath, destination, "--", ...command],
    nixSshOpts: `-F ${configPath}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A temp dir for keys, removed by the returned function. */
export function keyDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "nfth-keys-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
