import { runPost } from "../../runner/actions-runtime.js";
import { removePrivateDir } from "./cleanup.js";

await runPost("build-matrix", removePrivateDir);
