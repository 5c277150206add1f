import { runPost } from "../../runner/actions-runtime.js";
import { removePrivateDir } from "../build-matrix/cleanup.js";

await runPost("gate", removePrivateDir);
