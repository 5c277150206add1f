import { evaluateFleet, HostsUnlistedError } from "../../fleet/evaluate.js";
import { nixErrorMessage, type Nix } from "../../nix/nix.js";
import { locate, type SourceMap } from "../../nix/source-map.js";
import { CommandError, tail } from "../../process/run.js";
import type { Runtime } from "../../runner/runtime.js";
import { errorKind } from "../../runner/user-error.js";
import { LogBuffer } from "./log-buffer.js";
import type { BuildMatrixOptions } from "./options.js";
import { push, type PushContext } from "./push.js";
import { evaluationFailure, formatBytes, type HostBuildResult } from "./report.js";

const FAILED_TAIL_LINES = 25;

/** Lines in which a Nix daemon says it ignored this run's caches or netrc for an untrusted user. */
const UNTRUSTED_SETTING = /ignoring untrusted substituter|ignoring the client-specified setting|is a restricted setting|not a trusted user/i;

export function ignoredSettingNotice(line: string): boolean {
  return UNTRUSTED_SETTING.test(line);
}

export function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

export interface BuildContext extends PushContext {
  options: BuildMatrixOptions;
  runtime: Runtime;
  /** Where evaluation errors lie in the repository. */
  map: SourceMap;
  /** Evaluation flags from extra-args, and those a build takes. */
  evalArgs: string[];
  buildArgs: string[];
  /** Show each log line as it comes (one host building), rather than the whole log when the host is done. */
  live: boolean;
}

/**
 * Builds one host, measures its closure, pushes it; records everything in `result`, never throws.
 * The plan's derivation is built as it is: no second evaluation. Mode build has no plan in this
 * job: the host is evaluated first (the fleet's one evaluation, of this host), so that an
 * evaluation error is reported as one, at its file:line.
 */
export async function buildHost(result: HostBuildResult, ctx: BuildContext): Promise<void> {
  const { options, nix, runtime } = ctx;
  const started = Date.now();
  const log = new LogBuffer();
  const onLine = (line: string) => {
    log.push(line);
    if (ctx.live) runtime.untrusted(line);
    if (ignoredSettingNotice(line)) {
      ctx.warn(`Nix ignored some of this run's settings (caches, keys or netrc) because the runner's user is not a trusted user of the Nix daemon: "${line.trim()}". Add the user to trusted-users, or set the caches in the daemon's nix.conf.`);
    }
  };
  let stage: "evaluation" | "build" | "push" = "build";
  const attempt = async () => {
    try {
      if (!result.drv) {
        stage = "evaluation";
        if (!(await evaluateAlone(result, nix, ctx))) return;
        stage = "build";
      }
      const built = await nix.buildDerivation(result.drv as string, ["--print-build-logs", ...ctx.buildArgs], { onStderrLine: onLine });
      const out = built.outputs.out;
      if (!out) throw new Error(`nix build printed no output path for ${result.host}`);
      if (result.out && out !== result.out) ctx.warn(`${result.host}: built ${out}, but the plan had ${result.out}`);
      result.out = out;
      result.status = "built";
      try {
        const [info] = await nix.pathInfo([out], { closureSize: true });
        result.closureBytes = info?.closureSize;
      } catch (error) {
        ctx.warn(`${result.host}: could not measure the closure of ${out}: ${nixErrorMessage(error)}`);
      }
      if (options.pushTo) {
        stage = "push";
        await push(options.pushTo, out, ctx, onLine);
        result.status = "pushed";
        result.pushed = true;
      }
    } catch (error) {
      result.status = stage === "evaluation" ? "eval-failed" : "failed";
      result.error = stage === "push" ? `push failed: ${nixErrorMessage(error)}` : nixErrorMessage(error);
      result.errorKind = errorKind(error);
      result.logTail = tail(error instanceof CommandError ? error.stderr : log.tail(FAILED_TAIL_LINES) || String(error), FAILED_TAIL_LINES);
    } finally {
      result.seconds = seconds(started);
    }
  };

  if (ctx.live) await runtime.group(`${result.host}: building`, attempt);
  else await attempt();
  const size = result.closureBytes === undefined ? "" : `, closure ${formatBytes(result.closureBytes)}`;
  runtime.info(`${result.host}: ${result.status} in ${result.seconds} s${size}`);
  const text = log.text();
  if (!ctx.live && text) await runtime.group(`${result.host}: log`, async () => runtime.untrusted(text));
  if (result.status === "failed" || result.status === "eval-failed") {
    const title = result.status === "eval-failed" ? `host ${result.host} failed to evaluate` : `host ${result.host} failed`;
    runtime.annotate({ level: "error", title, message: result.error ?? "", file: result.file, line: result.line, column: result.column });
    if (result.logTail) {
      runtime.info(`${result.host}: last lines of the ${stage}:`);
      runtime.untrusted(result.logTail);
    }
  }
}

/** Evaluates the one host of a build job; false (and the result marked) when it does not evaluate. */
async function evaluateAlone(result: HostBuildResult, nix: Nix, ctx: BuildContext): Promise<boolean> {
  let evaluation;
  try {
    evaluation = await evaluateFleet(nix, ctx.options.ref, [result.host], { extraArgs: ctx.evalArgs });
  } catch (error) {
    if (!(error instanceof HostsUnlistedError) || !error.errors[0]) throw error;
    Object.assign(result, evaluationFailure(result.host, locate(error.errors[0], ctx.map)));
    return false;
  }
  const evaluated = evaluation.hosts[0];
  if (evaluated) {
    Object.assign(result, { system: evaluated.system, drv: evaluated.drv, out: evaluated.out });
    return true;
  }
  const failure = evaluation.failed[0];
  const error = failure?.errors[0] ? locate(failure.errors[0], ctx.map) : { message: `${result.host} did not evaluate` };
  Object.assign(result, evaluationFailure(result.host, error));
  return false;
}
