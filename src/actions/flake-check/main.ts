import { Inputs, envInputSource } from "../../runner/inputs.js";
import { runAction } from "../../runner/actions-runtime.js";
import { readFlakeCheckOptions } from "./options.js";
import { failureMessage, runFlakeCheck } from "./run.js";

await runAction("flake-check", async (runtime) => {
  const inputs = new Inputs(envInputSource(), (s) => runtime.setSecret(s));
  const options = readFlakeCheckOptions(inputs, process.env);
  const report = await runFlakeCheck(options, { runtime });
  if (report.result === "failure") throw new Error(failureMessage(report));
}, { result: "failure" });
