import * as core from "@actions/core";
import { tmpdir } from "node:os";
import { cleanupFromState } from "./private-dir.js";
import { handleStepEnd } from "./signals.js";
import { SignalError } from "./user-error.js";
import { neutralized } from "./neutralize.js";
import { detectPlatform, type Platform } from "./platform.js";
import { renderMarkdown, renderText, type Report } from "./report.js";
import { annotationText, redactSecrets, type Annotation, type Runtime } from "./runtime.js";

/** The runtime of a GitHub or Forgejo runner, through @actions/core. */
export class ActionsRuntime implements Runtime {
  readonly platform: Platform;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.platform = detectPlatform(env);
  }

  info(message: string): void {
    core.info(message);
  }

  untrusted(text: string): void {
    core.info(neutralized(text));
  }

  warning(message: string): void {
    // Warnings can quote a tool's output (Nix's own words): as plain log text, never a command.
    if (this.platform === "forgejo") core.info(neutralized(`warning: ${message}`));
    else core.warning(message);
  }

  debug(message: string): void {
    core.debug(message);
  }

  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }

  annotate(a: Annotation): void {
    if (this.platform === "forgejo") {
      // Forgejo turns no workflow command into an annotation: the log line must say it all.
      core.info(neutralized(annotationText(a)));
      return;
    }
    const props: core.AnnotationProperties = { title: a.title, file: a.file, startLine: a.line, startColumn: a.column };
    if (a.level === "error") core.error(a.message, props);
    else if (a.level === "warning") core.warning(a.message, props);
    else core.notice(a.message, props);
  }

  private readonly secrets: string[] = [];

  setSecret(value: string): void {
    core.setSecret(value);
    if (value) this.secrets.push(value);
  }

  redacted(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** Outputs set so far: a failure fills in only the ones the step had not set. */
  readonly outputs = new Set<string>();

  setOutput(name: string, value: string): void {
    this.outputs.add(name);
    core.setOutput(name, value);
  }

  saveState(name: string, value: string): void {
    core.saveState(name, value);
  }

  getState(name: string): string {
    return core.getState(name);
  }

  report(report: Report): void {
    core.info(neutralized(renderText(report)));
    // Forgejo only prints the summary file into the log, where the text above already stands.
    if (this.platform === "github" && process.env.GITHUB_STEP_SUMMARY) {
      // The summary is a file the runner renders, not a log line it masks.
      core.summary.addRaw(this.redacted(renderMarkdown(report)), true);
      this.summaryPending = true;
    }
  }

  private summaryPending = false;

  /** Writes what report() added to the step summary file. */
  async flush(): Promise<void> {
    if (this.summaryPending) {
      this.summaryPending = false;
      await core.summary.write();
    }
  }
}

/**
 * The whole life of an action's entry file: make the runtime, run, report any failure as
 * `<action> failed with: ...`, write the summary, and exit explicitly so that an open socket
 * cannot keep the step alive. SIGINT/SIGTERM (a cancelled job) or a crash stop every program the
 * step runs, remove its private files, set the promised outputs and exit 130/143/1 (runner/signals.ts).
 */
export async function runAction(
  action: string,
  body: (runtime: ActionsRuntime) => Promise<void>,
  /** Outputs the contract promises even on failure (a bad input included), e.g. { result: "failure" }. */
  onFailure: Record<string, string> = {},
): Promise<never> {
  const runtime = new ActionsRuntime();
  const fail = (message: string) => {
    for (const [name, value] of Object.entries(onFailure)) if (!runtime.outputs.has(name)) runtime.setOutput(name, value);
    if (runtime.platform === "forgejo") {
      // No annotation to make: the plain line is what a Forgejo log shows.
      core.info(neutralized(`error: ${message}`));
      process.exitCode = 1;
    } else {
      // setFailed escapes the message into one ::error:: command: nothing in it can start another.
      core.setFailed(message);
    }
  };
  const flush = async () => {
    try {
      await runtime.flush();
    } catch (error) {
      core.warning(`could not write the step summary: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const failure = (error: unknown) => `${action} failed with: ${error instanceof Error ? error.message : String(error)}`;
  const end = handleStepEnd(async ({ error }) => {
    fail(error instanceof SignalError ? `${action} was ${error.message}` : failure(error));
    await flush();
  });
  try {
    await body(runtime);
  } catch (error) {
    if (end.ending) await end.finished;
    fail(failure(error));
  }
  if (end.ending) await end.finished;
  await flush();
  process.exit(process.exitCode ?? 0);
}

/** A post step only ever warns: cleanup trouble must not fail a job whose work succeeded. */
export async function runPost(action: string, body: (runtime: ActionsRuntime) => Promise<void>): Promise<never> {
  const runtime = new ActionsRuntime();
  try {
    await body(runtime);
  } catch (error) {
    core.warning(`${action} cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(0);
}

/** The post step of an action with private files: undo what main recorded and could not undo itself. */
export function runCleanupPost(action: string): Promise<never> {
  return runPost(action, (runtime) => cleanupFromState(runtime, process.env.RUNNER_TEMP || tmpdir()));
}
