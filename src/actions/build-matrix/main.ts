import { runAction } from "../../runner/actions-runtime.js";
import { envInputSource, Inputs } from "../../runner/inputs.js";
import { readBuildMatrixOptions } from "./options.js";
import { failureMessage, runBuildMatrix } from "./run.js";

await runAction("build-matrix", async (runtime) => {
  const inputs = new Inputs(envInputSource(), (s) => runtime.setSecret(s));
  const options = readBuildMatrixOptions(inputs, process.env);
  const report = await runBuildMatrix(options, { runtime });
  if (report.result === "failure") throw new Error(failureMessage(report));
});
