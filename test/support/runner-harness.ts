import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

export const repoRoot = resolve(import.meta.dirname, "..", "..");

export type Flavour = "github" | "forgejo";

export interface HarnessOptions {
  /** The action's folder relative to the repository root: "actions/flake-check", or "." for the gate. */
  action: string;
  flavour: Flavour;
  /** As a workflow's `with:` would give them; action.yml defaults fill the rest, as a runner does. */
  inputs?: Record<string, string>;
  workspace: string;
  eventName?: string;
  event?: unknown;
  sha?: string;
  ref?: string;
  /** Extra environment for both steps (NIX_CONFIG, PATH additions, ...). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Stop main with a signal, as a runner cancelling the job does, once `when` holds (asked at each
   * piece of output and every 100 ms, with the log so far). `atSignal` runs just before it is sent.
   */
  stop?: { signal: NodeJS.Signals; when: (log: string) => boolean; atSignal?: (runnerTemp: string) => void };
}

export interface StepResult {
  exitCode: number;
  /** stdout and stderr interleaved as the runner shows them: masked values replaced by ***. */
  log: string;
  /** What the process printed, before masking: to prove a secret never even reached the log. */
  rawLog: string;
}

export interface HarnessResult extends StepResult {
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** Variables the step exported through GITHUB_ENV, and GITHUB_PATH additions. */
  exportedEnv: Record<string, string>;
  addedPath: string[];
  /** Every file the runner gave the step, to search for leaks. */
  files: { output: string; state: string; env: string; summary: string };
  runnerTemp: string;
  post?: StepResult;
}

interface ActionYaml {
  inputs?: Record<string, { default?: string | boolean | number; required?: boolean }>;
  runs: { using: string; main: string; post?: string };
}

/** Reads `name=value` and `name<<DELIM` ... `DELIM` records, as both runners write them. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? "");
      out[name as string] = value.join("\n");
    } else if (line.includes("=")) {
      const at = line.indexOf("=");
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

function runStep(
  script: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
  stop?: { signal: NodeJS.Signals; when: (log: string) => boolean; atSignal?: () => void },
): Promise<StepResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let raw = "";
    let sent = false;
    const maybeStop = () => {
      if (!stop || sent || !stop.when(raw)) return;
      sent = true;
      stop.atSignal?.();
      child.kill(stop.signal);
    };
    const poll = stop ? setInterval(maybeStop, 100) : undefined;
    child.stdout.on("data", (d: Buffer) => {
      raw += d.toString("utf8");
      maybeStop();
    });
    child.stderr.on("data", (d: Buffer) => {
      raw += d.toString("utf8");
      maybeStop();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      // A process killed by a signal it does not handle has no code: as a shell reports it.
      const status = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 9) : 9);
      resolvePromise({ exitCode: status, rawLog: raw, log: applyMasks(raw) });
    });
  });
}

/**
 * What a runner shows: ::add-mask:: lines consumed, every masked value after them as ***; between
 * ::stop-commands::TOKEN and ::TOKEN:: no command is read (leading spaces do not stop one, as on
 * the runners).
 */
export function applyMasks(raw: string): string {
  const masks: string[] = [];
  const shown: string[] = [];
  let stopToken: string | undefined;
  for (const line of raw.split("\n")) {
    const command = line.trimStart();
    if (stopToken !== undefined) {
      if (command === `::${stopToken}::`) {
        stopToken = undefined;
        continue;
      }
    } else if (command.startsWith("::stop-commands::")) {
      stopToken = command.slice("::stop-commands::".length);
      continue;
    }
    const mask = stopToken === undefined ? /^::add-mask::(.*)$/.exec(command) : null;
    if (mask) {
      if (mask[1]) masks.push(mask[1]);
      continue;
    }
    let text = line;
    for (const m of masks) text = text.split(m).join("***");
    shown.push(text);
  }
  return shown.join("\n");
}

function runnerEnv(o: HarnessOptions, files: HarnessResult["files"], runnerTemp: string, eventPath: string): NodeJS.ProcessEnv {
  const base: Record<string, string> = {
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_ENV: files.env,
    GITHUB_PATH: join(runnerTemp, "_path"),
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_EVENT_NAME: o.eventName ?? "push",
    GITHUB_SHA: o.sha ?? "0000000000000000000000000000000000000000",
    GITHUB_REF: o.ref ?? "refs/heads/main",
    GITHUB_REPOSITORY: "fleet/infra",
    GITHUB_RUN_ID: "4242",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "check",
    GITHUB_ACTOR: "operator",
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: "Linux",
  };
  if (o.flavour === "github") {
    base.GITHUB_SERVER_URL = "https://github.com";
    base.GITHUB_API_URL = "https://api.github.com";
  } else {
    base.GITHUB_SERVER_URL = "https://forgejo.fleet.test";
    base.GITHUB_API_URL = "https://forgejo.fleet.test/api/v1";
    base.GITEA_ACTIONS = "true";
    base.FORGEJO_ACTIONS = "true";
    for (const [k, v] of Object.entries({ ...base })) if (k.startsWith("GITHUB_")) base[`FORGEJO_${k.slice(7)}`] = v;
  }
  // A runner's environment, not the test process's: only what a job would have.
  const inherited: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "LANG", "NIX_CONFIG", "NIX_REMOTE"]) if (process.env[k]) inherited[k] = process.env[k] as string;
  return { ...inherited, ...base, ...o.env };
}

/** Runs a committed action bundle as a runner does: main, then post with the state main saved. */
export async function runAction(o: HarnessOptions): Promise<HarnessResult> {
  const actionDir = resolve(repoRoot, o.action);
  const meta = parseYaml(readFileSync(join(actionDir, "action.yml"), "utf8")) as ActionYaml;
  if (!/^node(2[0-4])$/.test(meta.runs.using)) throw new Error(`${o.action}: runs.using is ${meta.runs.using}`);

  const runnerTemp = mkdtempSync(join(tmpdir(), "runner-temp-"));
  const cmd = join(runnerTemp, "_runner_file_commands");
  mkdirSync(cmd);
  const files = { output: join(cmd, "output"), state: join(cmd, "state"), env: join(cmd, "env"), summary: join(cmd, "summary") };
  for (const f of [...Object.values(files), join(runnerTemp, "_path")]) writeFileSync(f, "");
  const eventPath = join(runnerTemp, "event.json");
  writeFileSync(eventPath, JSON.stringify(o.event ?? {}));

  const env = runnerEnv(o, files, runnerTemp, eventPath);
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
    const given = o.inputs?.[name];
    const value = given ?? (spec.default === undefined ? "" : String(spec.default));
    env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
  }
  for (const name of Object.keys(o.inputs ?? {})) {
    if (!meta.inputs?.[name]) throw new Error(`${o.action}/action.yml declares no input '${name}'`);
  }

  const timeout = o.timeoutMs ?? 300_000;
  const stop = o.stop && { ...o.stop, atSignal: () => o.stop?.atSignal?.(runnerTemp) };
  const main = await runStep(join(actionDir, meta.runs.main), env, o.workspace, timeout, stop);
  const summary = readFileSync(files.summary, "utf8");
  // Forgejo has no summary page: it prints the summary file into the job log.
  if (o.flavour === "forgejo" && summary) {
    main.log += `\n${summary}`;
    main.rawLog += `\n${summary}`;
  }
  const state = parseCommandFile(readFileSync(files.state, "utf8"));
  const result: HarnessResult = {
    ...main,
    outputs: parseCommandFile(readFileSync(files.output, "utf8")),
    state,
    summary,
    exportedEnv: parseCommandFile(readFileSync(files.env, "utf8")),
    addedPath: readFileSync(join(runnerTemp, "_path"), "utf8").split("\n").filter(Boolean),
    files,
    runnerTemp,
  };
  if (meta.runs.post && existsSync(join(actionDir, meta.runs.post))) {
    const postEnv = { ...env };
    for (const [k, v] of Object.entries(state)) postEnv[`STATE_${k}`] = v;
    result.post = await runStep(join(actionDir, meta.runs.post), postEnv, o.workspace, timeout);
  }
  return result;
}
