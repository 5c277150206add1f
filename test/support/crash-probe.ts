/**
 * A child process for the crash test: a step that made a private directory with a key in it and
 * runs a program (`sleep <argv[2]>`), then crashes with an error nothing catches. Prints the
 * directory's path first, so the test can check it is gone.
 */
import { tmpdir } from "node:os";
import { run } from "../../src/process/run.js";
import { PrivateDir } from "../../src/runner/private-dir.js";
import { handleStepEnd } from "../../src/runner/signals.js";
import { TerminalRuntime } from "../../src/runner/terminal-runtime.js";

const runtime = new TerminalRuntime();
handleStepEnd(({ error, status }) => {
  process.stdout.write(`ended ${status}: ${(error as Error).message}\n`);
});
const dir = await PrivateDir.create(runtime, tmpdir());
await dir.writeSecret("signing-key", "key material");
process.stdout.write(`${dir.path}\n`);
void run(["sleep", process.argv[2] as string]);
setTimeout(() => {
  throw new Error("a bug nothing caught");
}, 300);
