import { rm } from "node:fs/promises";
import { parseKey } from "ssh2/lib/protocol/keyParser.js";
import type { PrivateDir } from "../runner/private-dir.js";
import { GITHUB_KNOWN_HOSTS } from "./github-host-keys.js";
import type { MirrorRemote } from "./mirror-remote.js";
import { tokenAccess, tokenForms } from "./remote-url.js";

/** What the user gave to reach the mirror, already validated (checkPrivateKey, knownHostsLines). */
export interface MirrorCredentialInputs {
  sshKey?: string;
  token?: string;
  /** known_hosts lines for an ssh remote; undefined means GitHub's published keys (github.com only). */
  knownHosts?: string[];
}

/** An OpenSSH or PEM private key without a passphrase, checked with ssh2: undefined when fine, else why not. */
export function privateKeyProblem(text: string): string | undefined {
  const parsed = parseKey(text.replace(/\r\n/g, "\n"));
  if (parsed instanceof Error) return parsed.message;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return "no key found";
  if (!key.isPrivateKey()) return "it is a public key";
  return undefined;
}

/**
 * known_hosts lines for `name` (how known_hosts names the mirror's host): full lines are kept, a
 * bare `<type> <base64>` key gets the host name in front. Returns an error text for a line that
 * is no host key.
 */
export function knownHostsLines(text: string, name: string): string[] | { error: string } {
  const lines: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const words = line.split(/\s+/);
    const marker = words[0]?.startsWith("@") ? words.shift() : undefined;
    if (marker && marker !== "@cert-authority" && marker !== "@revoked") return { error: `'${marker}' is not a known_hosts marker` };
    const bare = !marker && parseKey(`${words[0]} ${words[1]}`) instanceof Error === false;
    const [type, data] = bare ? [words[0], words[1]] : [words[1], words[2]];
    if (!type || !data || parseKey(`${type} ${data}`) instanceof Error) return { error: `'${line.slice(0, 60)}' is not a known_hosts line with a host key` };
    lines.push(bare ? `${name} ${type} ${data}` : line);
  }
  if (!lines.length) return { error: "it holds no host key" };
  return lines;
}

/** A path inside single quotes for the one shell string git runs ssh through (GIT_SSH_COMMAND). */
function shellQuoted(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * The credentials of one mirror push, set up and removed by one object (as actions/checkout's
 * auth helper does): an ssh key and the pinned host keys as 0600 files in the step's private
 * directory, or a token as an http header; handed to git only through `env`, never in the URL,
 * argv or .git/config. remove() deletes the files; the private directory's close() and the post
 * step catch a main that never got there.
 */
export class MirrorCredentials {
  private files: string[] = [];

  private constructor(readonly env: Record<string, string>) {}

  /** Every form of the secrets as git or a log could show them: to mask before first use. */
  static secrets(inputs: MirrorCredentialInputs): string[] {
    const forms: string[] = [];
    if (inputs.token) forms.push(...tokenForms(inputs.token));
    if (inputs.sshKey) forms.push(inputs.sshKey, ...inputs.sshKey.split("\n").map((l) => l.trim()).filter((l) => l.length >= 4 && !l.startsWith("-----")));
    return forms;
  }

  static async configure(remote: MirrorRemote, inputs: MirrorCredentialInputs, dir: PrivateDir, env: NodeJS.ProcessEnv = process.env): Promise<MirrorCredentials> {
    // Without a terminal to ask, refused credentials fail at once instead of hanging the job.
    const base = { GIT_TERMINAL_PROMPT: "0" };
    if (remote.kind === "local") return new MirrorCredentials(base);
    if (remote.kind === "https") {
      if (!inputs.token) throw new Error("internal: an https mirror needs a token");
      return new MirrorCredentials({ ...base, ...tokenAccess(inputs.token, remote.url, env).env });
    }
    if (!inputs.sshKey) throw new Error("internal: an ssh mirror needs a key");
    const credentials = new MirrorCredentials(base);
    dir.onClose(() => credentials.remove());
    const key = inputs.sshKey.replace(/\r\n/g, "\n");
    const keyFile = await dir.writeSecret("mirror-ssh-key", key.endsWith("\n") ? key : `${key}\n`);
    credentials.files.push(keyFile);
    const knownHosts = inputs.knownHosts ?? [...GITHUB_KNOWN_HOSTS];
    const knownHostsFile = await dir.writeSecret("mirror-known-hosts", knownHosts.map((l) => `${l}\n`).join(""));
    credentials.files.push(knownHostsFile);
    const ssh = [
      "ssh",
      // No ~/.ssh/config, no agent keys, no other known_hosts: only what this step was given.
      "-F", "/dev/null",
      "-i", shellQuoted(keyFile),
      "-o", "IdentitiesOnly=yes",
      "-o", "IdentityAgent=none",
      "-o", "StrictHostKeyChecking=yes",
      "-o", `UserKnownHostsFile=${shellQuoted(knownHostsFile)}`,
      "-o", "GlobalKnownHostsFile=/dev/null",
      "-o", "BatchMode=yes",
      "-o", "ControlMaster=no",
      "-o", "ControlPath=none",
      "-o", "ConnectTimeout=30",
    ].join(" ");
    Object.assign(credentials.env, { GIT_SSH_COMMAND: ssh, GIT_SSH_VARIANT: "ssh" });
    return credentials;
  }

  /** Deletes the key and known_hosts files. Idempotent. */
  async remove(): Promise<void> {
    for (const file of this.files.splice(0)) await rm(file, { force: true });
  }
}
