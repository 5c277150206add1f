import { tmpdir } from "node:os";
import { runAction } from "../../runner/actions-runtime.js";
import { envInputSource, Inputs } from "../../runner/inputs.js";
import { actionsToolCache } from "../../runner/tool-cache.js";
import { readMirrorOptions } from "./options.js";
import { refusalMessage } from "./report.js";
import { runMirror } from "./run.js";

await runAction("mirror", async (runtime) => {
  const inputs = new Inputs(envInputSource(), (s) => runtime.setSecret(s));
  const options = readMirrorOptions(inputs, process.env);
  const report = await runMirror(options, { runtime, toolCache: actionsToolCache }, { tempRoot: process.env.RUNNER_TEMP || tmpdir() });
  if (report.result === "refused") throw new Error(refusalMessage(report));
}, { published: "", commits: "0", skipped: "" });
