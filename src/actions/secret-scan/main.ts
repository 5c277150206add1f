import { Inputs, envInputSource } from "../../runner/inputs.js";
import { runAction } from "../../runner/actions-runtime.js";
import { actionsToolCache } from "../../runner/tool-cache.js";
import { readSecretScanOptions } from "./options.js";
import { failureMessage } from "./report.js";
import { runSecretScan } from "./run.js";

await runAction("secret-scan", async (runtime) => {
  const inputs = new Inputs(envInputSource(), (s) => runtime.setSecret(s));
  const options = readSecretScanOptions(inputs, process.env);
  const report = await runSecretScan(options, { runtime, toolCache: actionsToolCache });
  if (report.findings.length && options.failOnFindings) throw new Error(failureMessage(report));
});
