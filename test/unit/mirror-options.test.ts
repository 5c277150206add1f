import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readMirrorOptions } from "../../src/actions/mirror/options.js";
import { knownHostsLines, privateKeyProblem } from "../../src/git/credentials.js";
import { GITHUB_KNOWN_HOSTS } from "../../src/git/github-host-keys.js";
import { parseMirrorRemote } from "../../src/git/mirror-remote.js";
import { InputError, Inputs } from "../../src/runner/inputs.js";
import { repoRoot } from "../support/runner-harness.js";

const actionYml = parse(readFileSync(join(repoRoot, "actions", "mirror", "action.yml"), "utf8")) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
};
const SHA = "a".repeat(40);
const KEY = ssh2.utils.generateKeyPairSync("ed25519", { comment: "mirror" });
const ENV = { GITHUB_REF: "refs/heads/main", GITHUB_SHA: SHA, GITHUB_ACTIONS: "true" };

function read(given: Record<string, string>, env: Record<string, string> = ENV) {
  const masked: string[] = [];
  const defaults = Object.fromEntries(Object.entries(actionYml.inputs).map(([k, v]) => [k, String(v.default ?? "")]));
  const values = { ...defaults, ...given };
  const options = () => readMirrorOptions(new Inputs((n) => values[n], (s) => masked.push(s)), env, "/tmp");
  return { options, masked };
}

function inputError(given: Record<string, string>, env?: Record<string, string>): { input: string; message: string; masked: string[] } {
  const { options, masked } = read(given, env);
  try {
    options();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { input: (error as InputError).input, message: (error as Error).message, masked };
  }
  throw new Error("expected an InputError");
}

describe("mirror action.yml", () => {
  it("has the contract's inputs and outputs, with its defaults", () => {
    expect(Object.keys(actionYml.outputs).sort()).toEqual(["commits", "previous", "published", "skipped"]);
    for (const input of ["remote", "ssh-key", "token", "known-hosts", "branch", "sha", "tags", "force", "require-scan"]) expect(actionYml.inputs).toHaveProperty(input);
    expect(actionYml.inputs).toMatchObject({ tags: { default: "false" }, force: { default: "true" }, "require-scan": { default: "true" }, remote: { required: true } });
  });
});

describe("mirror options", () => {
  it("defaults to the triggering branch and commit, force with lease, scan required, GitHub's keys for github.com", () => {
    const options = read({ remote: "git@github.com:fleet/infra.git", "ssh-key": KEY.private }).options();
    expect(options).toMatchObject({ branch: "main", sha: SHA, force: true, tags: false, requireScan: true, remote: { kind: "ssh", host: "github.com" } });
    expect(options.credentials.knownHosts).toBeUndefined();
  });

  it("masks the key and token before anything else", () => {
    const { masked, options } = read({ remote: "https://github.com/fleet/infra.git", token: "ghs_abcdefghijkl" });
    expect(options().remote.kind).toBe("https");
    expect(masked).toContain("ghs_abcdefghijkl");
    expect(masked).toContain(Buffer.from("x-access-token:ghs_abcdefghijkl").toString("base64"));
  });

  it.each([
    [{ remote: "" }, "remote", "it is required"],
    [{ remote: "https://user:ghp_secretsecret@github.com/fleet/infra.git", token: "t0ken" }, "remote", "has credentials in it"],
    [{ remote: "https://ghp_secretsecret@github.com/fleet/infra.git" }, "remote", "has credentials in it"],
    [{ remote: "http://github.com/fleet/infra.git", token: "t0ken" }, "remote", "plain http"],
    [{ remote: "fleet/infra" }, "remote", "not a git URL"],
    [{ remote: "--upload-pack=evil" }, "remote", "not a git URL"],
    [{ remote: "git@github.com:fleet/infra.git" }, "ssh-key", "required"],
    [{ remote: "git@github.com:fleet/infra.git", "ssh-key": KEY.public }, "ssh-key", "public key"],
    [{ remote: "git@github.com:fleet/infra.git", "ssh-key": "-----BEGIN OPENSSH PRIVATE KEY-----\nnonsense\n-----END OPENSSH PRIVATE KEY-----\n" }, "ssh-key", "not a usable private key"],
    [{ remote: "git@forge.example:fleet/infra.git", "ssh-key": KEY.private }, "known-hosts", "required for 'forge.example'"],
    [{ remote: "git@forge.example:fleet/infra.git", "ssh-key": KEY.private, "known-hosts": "forge.example not-a-key" }, "known-hosts", "not a known_hosts line"],
    [{ remote: "git@github.com:fleet/infra.git", "ssh-key": KEY.private, token: "t0ken" }, "token", "does not apply"],
    [{ remote: "https://github.com/fleet/infra.git" }, "token", "required for the https remote"],
    [{ remote: "https://github.com/fleet/infra.git", token: "t0ken", "ssh-key": KEY.private }, "ssh-key", "does not apply"],
    [{ remote: "https://github.com/fleet/infra.git", token: "t0ken", "known-hosts": GITHUB_KNOWN_HOSTS[0] }, "known-hosts", "does not apply"],
    [{ remote: "/srv/mirror.git", branch: "bad..name" }, "branch", "not a branch name"],
    [{ remote: "/srv/mirror.git", branch: "main.lock" }, "branch", "check-ref-format"],
    [{ remote: "/srv/mirror.git", branch: "-f" }, "branch", "not a branch name"],
    [{ remote: "/srv/mirror.git", sha: "main" }, "sha", "not a commit sha"],
    [{ remote: "/srv/mirror.git", tags: "yes" }, "tags", "not a boolean"],
    [{ remote: "/srv/mirror.git", "gitleaks-path": "/nonexistent/gitleaks" }, "gitleaks-path", "not a file"],
  ])("refuses %j as input %s", (given, input, text) => {
    const error = inputError(given as Record<string, string>);
    expect(error.input).toBe(input);
    expect(error.message).toContain(text);
    expect(error.message).toContain("Expected");
  });

  it("never prints a credential from the remote URL, and masks it", () => {
    const error = inputError({ remote: "https://x-access-token:ghp_secretsecret@github.com/fleet/infra.git" });
    expect(error.message).not.toContain("ghp_secretsecret");
    expect(error.masked).toContain("ghp_secretsecret");
  });

  it("needs a branch when the run is not for one (a tag), and takes a revision for sha only outside a runner", () => {
    expect(inputError({ remote: "/srv/m.git" }, { ...ENV, GITHUB_REF: "refs/tags/v1" }).input).toBe("branch");
    expect(read({ remote: "/srv/m.git", sha: "HEAD" }, { GITHUB_REF: "refs/heads/main" }).options().sha).toBe("HEAD");
  });
});

describe("mirror remotes", () => {
  it.each([
    ["git@github.com:fleet/infra.git", { kind: "ssh", host: "github.com", knownHostsName: "github.com" }],
    ["ssh://git@forge.example:2222/fleet/infra.git", { kind: "ssh", host: "forge.example", knownHostsName: "[forge.example]:2222" }],
    ["ssh://git@forge.example/fleet/infra.git", { kind: "ssh", host: "forge.example", knownHostsName: "forge.example" }],
    ["https://github.com/fleet/infra.git", { kind: "https", host: "github.com" }],
    ["http://127.0.0.1:8080/infra.git", { kind: "https" }],
    ["file:///srv/mirror.git", { kind: "local" }],
    ["/srv/mirror.git", { kind: "local" }],
  ])("%s", (url, expected) => {
    expect(parseMirrorRemote(url)).toMatchObject(expected);
  });

  it.each(["ssh://-oProxyCommand=touch%20/tmp/pwned/x.git", "ssh://-oProxyCommand=x@forge/x.git", "git@-oProxyCommand=x:x.git", "-x@forge:x.git", "git@forge:-x.git"])(
    "refuses %s: a leading '-' would be an option to ssh or git",
    (url) => {
      expect(parseMirrorRemote(url)).toMatchObject({ error: expect.stringContaining("Expected") });
      expect(inputError({ remote: url, "ssh-key": KEY.private, "known-hosts": KEY.public }).input).toBe("remote");
    },
  );
});

describe("credentials", () => {
  it("pins github.com's published host keys, whose fingerprints are the ones GitHub lists", () => {
    const fingerprints = execFileSync("ssh-keygen", ["-lf", "-"], { input: GITHUB_KNOWN_HOSTS.join("\n") + "\n", encoding: "utf8" });
    // docs.github.com, "GitHub's SSH key fingerprints".
    expect(fingerprints).toContain("SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU github.com (ED25519)");
    expect(fingerprints).toContain("SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM github.com (ECDSA)");
    expect(fingerprints).toContain("SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s github.com (RSA)");
  });

  it("takes known_hosts lines as they are and puts the host before bare keys", () => {
    const [type, data] = KEY.public.split(" ");
    expect(knownHostsLines(`# pinned\n${type} ${data} comment\n@cert-authority *.fleet ${type} ${data}\n`, "[forge]:2222")).toEqual([
      `[forge]:2222 ${type} ${data}`,
      `@cert-authority *.fleet ${type} ${data}`,
    ]);
    expect(knownHostsLines("", "forge")).toEqual({ error: "it holds no host key" });
  });

  it("validates private keys with ssh2", () => {
    expect(privateKeyProblem(KEY.private)).toBeUndefined();
    expect(privateKeyProblem(KEY.private.replace(/\n/g, "\r\n"))).toBeUndefined();
    expect(privateKeyProblem(KEY.public)).toBe("it is a public key");
    const encrypted = ssh2.utils.generateKeyPairSync("ed25519", { passphrase: "pw", cipher: "aes256-ctr", rounds: 1 });
    expect(privateKeyProblem(encrypted.private)).toContain("passphrase");
  });
});
