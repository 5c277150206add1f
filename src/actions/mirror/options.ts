import { spawnSync } from "node:child_process";
import { knownHostsLines, MirrorCredentials, privateKeyProblem, type MirrorCredentialInputs } from "../../git/credentials.js";
import { parseMirrorRemote, type MirrorRemote } from "../../git/mirror-remote.js";
import { displayUrl, urlCredentials } from "../../git/remote-url.js";
import type { Inputs } from "../../runner/inputs.js";
import { OFFICIAL_DOWNLOAD_URL, type LocateOptions } from "../../scan/install.js";
import { isSafeRevision } from "../../scan/range.js";

export interface MirrorOptions {
  remote: MirrorRemote;
  branch: string;
  /** The commit to publish: a sha (GITHUB_SHA on a runner) or, from a terminal, a revision. */
  sha: string;
  tags: boolean;
  force: boolean;
  requireScan: boolean;
  credentials: MirrorCredentialInputs;
  /** Every form of the credentials, masked before anything runs. */
  secrets: string[];
  /** Where gitleaks comes from (secret-scan's own lookup). */
  gitleaks: LocateOptions;
  /** A gitleaks config; else GITLEAKS_CONFIG(_TOML), the repository's .gitleaks.toml, else the fleet defaults. */
  config?: string;
  /** gitleaks is stopped after this many minutes, and nothing is published. */
  gitleaksTimeoutMinutes: number;
  /** The clone holding the commit (the workspace on a runner). */
  workspace: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function readMirrorOptions(inputs: Inputs, env: NodeJS.ProcessEnv, cwd = process.cwd()): MirrorOptions {
  const workspace = env.GITHUB_WORKSPACE || cwd;

  // Secrets first: masked before any error message (about them or anything else) can print them.
  const remoteText = inputs.required("remote", "the mirror's ssh or https URL, or a local path");
  const inUrl = urlCredentials(remoteText);
  for (const secret of inUrl) inputs.mask(secret);
  const sshKey = inputs.secret("ssh-key");
  const token = inputs.secret("token");
  const credentials: MirrorCredentialInputs = { sshKey, token };
  const secrets = MirrorCredentials.secrets(credentials);
  for (const secret of secrets) inputs.mask(secret);

  if (inUrl.length || /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(remoteText)) {
    throw inputs.error("remote", `'${displayUrl(remoteText)}' has credentials in it, which git would store and print. Expected the URL without them, and the token in input 'token' (or an ssh key in 'ssh-key').`);
  }
  const remote = parseMirrorRemote(remoteText);
  if ("error" in remote) throw inputs.error("remote", remote.error);

  if (remote.kind === "ssh") {
    if (!sshKey) throw inputs.error("ssh-key", `it is required for the ssh remote '${remote.url}'. Expected an OpenSSH private key without a passphrase (a deploy key with write access).`);
    const problem = privateKeyProblem(sshKey);
    if (problem) throw inputs.error("ssh-key", `it is not a usable private key (${problem}). Expected an OpenSSH or PEM private key without a passphrase.`);
    if (token) throw inputs.error("token", `it does not apply to the ssh remote '${remote.url}'. Expected it empty, or an https remote.`);
    const knownHostsText = inputs.optionalString("known-hosts");
    if (knownHostsText === undefined) {
      if (remote.host.toLowerCase() !== "github.com") {
        throw inputs.error("known-hosts", `it is required for '${remote.host}': only github.com's published keys are built in, and a host key is never trusted on first use. Expected known_hosts lines ('${remote.knownHostsName} ssh-ed25519 AAAA...') or bare keys ('ssh-ed25519 AAAA...').`);
      }
    } else {
      const lines = knownHostsLines(knownHostsText, remote.knownHostsName);
      if ("error" in lines) throw inputs.error("known-hosts", `${lines.error}. Expected known_hosts lines ('${remote.knownHostsName} ssh-ed25519 AAAA...') or bare keys ('ssh-ed25519 AAAA...').`);
      credentials.knownHosts = lines;
    }
  } else {
    const other = remote.kind === "local" ? "a local repository" : "an https remote";
    if (sshKey) throw inputs.error("ssh-key", `it does not apply to ${other}. Expected it empty, or an ssh remote.`);
    if (inputs.optionalString("known-hosts") !== undefined) throw inputs.error("known-hosts", `it does not apply to ${other}. Expected it empty, or an ssh remote.`);
    if (remote.kind === "https" && !token) {
      throw inputs.error("token", `it is required for the https remote '${remote.url}'. Expected a token that may push to the mirror (it is sent as an http header, never in the URL).`);
    }
    if (remote.kind === "local" && token) throw inputs.error("token", "it does not apply to a local repository. Expected it empty, or an https remote.");
  }

  const ref = env.GITHUB_REF ?? "";
  const fromRef = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
  const branch = inputs.optionalString("branch")?.replace(/^refs\/heads\//, "") ?? fromRef;
  if (!branch) throw inputs.error("branch", `it is required when the run is not for a branch (GITHUB_REF is '${ref}'). Expected the mirror's branch, such as main.`);
  if (!isSafeRevision(branch) || branch.startsWith("@") || !gitAcceptsBranch(branch)) {
    throw inputs.error("branch", `'${branch}' is not a branch name (git check-ref-format refuses it). Expected a name such as main.`);
  }

  const sha = inputs.optionalString("sha") ?? env.GITHUB_SHA;
  if (!sha) throw inputs.error("sha", "it is required outside a runner (no GITHUB_SHA). Expected the commit to publish.");
  if (!SHA.test(sha) && !(env.GITHUB_ACTIONS !== "true" && isSafeRevision(sha))) {
    throw inputs.error("sha", `'${sha}' is not a commit sha. Expected the full 40-hex sha of the gated commit, such as \${{ github.sha }}.`);
  }

  const gitleaksVersion = inputs.optionalString("gitleaks-version")?.replace(/^v/, "");
  if (gitleaksVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(gitleaksVersion)) {
    throw inputs.error("gitleaks-version", `'${gitleaksVersion}' is not a release version. Expected a version such as 8.24.3.`);
  }
  return {
    remote,
    branch,
    sha,
    tags: inputs.bool("tags", false),
    force: inputs.bool("force", true),
    requireScan: inputs.bool("require-scan", true),
    credentials,
    secrets,
    gitleaks: {
      gitleaksPath: inputs.existingFile("gitleaks-path", workspace, "the path of the gitleaks executable"),
      gitleaksVersion,
      downloadUrl: OFFICIAL_DOWNLOAD_URL,
    },
    config: inputs.existingFile("config", workspace, "the path of a gitleaks TOML config"),
    gitleaksTimeoutMinutes: inputs.int("gitleaks-timeout", 30, { min: 1, max: 1440 }),
    workspace,
  };
}

/** git's own rules for ref names: `git check-ref-format` (reads nothing, changes nothing). */
function gitAcceptsBranch(branch: string): boolean {
  return spawnSync("git", ["check-ref-format", `refs/heads/${branch}`], { stdio: "ignore" }).status === 0;
}

