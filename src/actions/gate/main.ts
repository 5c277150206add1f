import { runAction } from "../../runner/actions-runtime.js";
import { envInputSource, Inputs } from "../../runner/inputs.js";
import { actionsToolCache } from "../../runner/tool-cache.js";
import { gateInputSource, readGateOptions } from "./options.js";
import { failureMessage, runGate } from "./run.js";

await runAction("gate", async (runtime) => {
  const inputs = new Inputs(gateInputSource(envInputSource()), (s) => runtime.setSecret(s));
  const options = readGateOptions(inputs, process.env);
  const report = await runGate(options, { runtime, toolCache: actionsToolCache });
  if (report.result === "failure") throw new Error(failureMessage(report));
}, { result: "failure" });
