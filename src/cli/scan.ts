import { tmpdir } from "node:os";
import { readSecretScanOptions } from "../actions/secret-scan/options.js";
import { failureMessage } from "../actions/secret-scan/report.js";
import { runSecretScan } from "../actions/secret-scan/run.js";
import { outputPath } from "../runner/output-path.js";
import { cliInputs, type Command } from "./command.js";

export const scanCommand: Command = {
  name: "scan",
  usage: `  nix-fleet scan [--range auto|all|unpublished|A..B] [--published-ref REF|URL#BRANCH] [--config FILE]
                 [--baseline FILE] [--gitleaks-path FILE] [--gitleaks-timeout MINUTES] [--report FILE]
                 [--sarif FILE] [--json]
      gitleaks over the commits that matter, every finding at file:line, the secret redacted.
      --range auto scans what is not yet pushed upstream (everything without an upstream).
      --report and --sarif write new files only (never one that exists, nor inside .git).`,
  options: {
    range: { type: "string" },
    "published-ref": { type: "string" },
    config: { type: "string" },
    baseline: { type: "string" },
    "gitleaks-path": { type: "string" },
    "gitleaks-timeout": { type: "string" },
    sarif: { type: "string" },
    report: { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, runtime, scratch) {
    const inputs = cliInputs(values, runtime);
    // In a terminal there is no event: `auto` means "not yet pushed", and files stay in the temp dir.
    const env = { ...process.env, GITHUB_WORKSPACE: "", GITHUB_EVENT_NAME: "", GITHUB_EVENT_PATH: "", RUNNER_TEMP: "" };
    const options = readSecretScanOptions(inputs, env, process.cwd(), { tempDir: scratch, terminal: true });
    // Without --report (or --sarif) the file goes to the scratch directory, removed on exit: nothing
    // names it, since it does not outlive the command.
    if (typeof values.report === "string") options.reportPath = outputPath(inputs, "report", values.report, { workspace: process.cwd(), temp: tmpdir() }, false);
    const report = await runSecretScan(options, { runtime });
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.findings.length) {
      runtime.info(`nix-fleet scan failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  },
};
