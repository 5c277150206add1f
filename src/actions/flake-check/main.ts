import { Inputs, envInputSource } from "../../runner/inputs.js";
import { runAction } from "../../runner/actions-runtime.js";
import { readFlakeCheckOptions } from "./options.js";
import { failureMessage, runFlakeCheck } from "./run.js";

await runAction("flake-check", async (runtime) => {
  const inputs = new Inputs(envInputSource(), (s) => runtime.setSecret(s));
  let options;
  try {
    options = readFlakeCheckOptions(inputs, process.env);
  } catch (error) {
    // The contract promises a result, a bad input included.
    runtime.setOutput("result", "failure");
    throw error;
  }
  const report = await runFlakeCheck(options, { runtime });
  if (report.result === "failure") throw new Error(failureMessage(report));
});
