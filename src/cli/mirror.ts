import { readMirrorOptions } from "../actions/mirror/options.js";
import { refusalMessage } from "../actions/mirror/report.js";
import { runMirror } from "../actions/mirror/run.js";
import { Git } from "../git/git.js";
import { cliOptionLabel, Inputs } from "../runner/inputs.js";
import { readOptionFile, type Command } from "./command.js";

/** Secrets come from a file or the environment, never from argv (where `ps` shows them). */
const SECRET_SOURCES: Record<string, string> = {
  "ssh-key": "option --ssh-key-file",
  token: "environment variable MIRROR_TOKEN",
  "known-hosts": "option --known-hosts-file",
};


export const mirrorCommand: Command = {
  name: "mirror",
  usage: `  nix-fleet mirror --remote URL [--branch B] [--sha REV] [--ssh-key-file FILE] [--known-hosts-file FILE]
                   [--tags] [--no-force] [--no-scan] [--config FILE] [--gitleaks-path FILE] [--json]
      Publishes exactly one commit (default HEAD) to the mirror's branch (default the current one),
      after scanning every commit the mirror lacks for secrets; an https token comes from MIRROR_TOKEN.`,
  options: {
    remote: { type: "string" },
    branch: { type: "string" },
    sha: { type: "string" },
    "ssh-key-file": { type: "string" },
    "known-hosts-file": { type: "string" },
    tags: { type: "boolean" },
    "no-force": { type: "boolean" },
    "no-scan": { type: "boolean" },
    config: { type: "string" },
    "gitleaks-path": { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, runtime, scratch) {
    const given: Record<string, string | undefined> = {
      remote: values.remote as string | undefined,
      branch: values.branch as string | undefined,
      sha: (values.sha as string | undefined) ?? "HEAD",
      "ssh-key": readOptionFile("ssh-key-file", values["ssh-key-file"] as string | undefined),
      token: process.env.MIRROR_TOKEN,
      "known-hosts": readOptionFile("known-hosts-file", values["known-hosts-file"] as string | undefined),
      tags: values.tags ? "true" : undefined,
      force: values["no-force"] ? "false" : undefined,
      "require-scan": values["no-scan"] ? "false" : undefined,
      config: values.config as string | undefined,
      "gitleaks-path": values["gitleaks-path"] as string | undefined,
    };
    const label = (name: string) => SECRET_SOURCES[name] ?? cliOptionLabel(name);
    const inputs = new Inputs((name) => given[name], (s) => runtime.setSecret(s), label);
    // In a terminal: the current branch, no event, paths relative to where the user stands.
    const env = { ...process.env, GITHUB_WORKSPACE: "", GITHUB_SHA: "", GITHUB_ACTIONS: "", GITHUB_REF: await currentBranchRef() };
    const options = readMirrorOptions(inputs, env, process.cwd());
    const report = await runMirror(options, { runtime }, { tempRoot: scratch });
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.result === "refused") {
      runtime.info(`nix-fleet mirror failed: ${refusalMessage(report)}`);
      return 1;
    }
    return 0;
  },
};

async function currentBranchRef(): Promise<string> {
  const result = await new Git(process.cwd()).exec(["symbolic-ref", "--quiet", "HEAD"]);
  return result.exitCode === 0 ? result.stdout.trim() : "";
}
