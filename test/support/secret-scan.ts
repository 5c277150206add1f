import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { TestRepo } from "./git-repo.js";
import { runAction, type Flavour, type HarnessResult } from "./runner-harness.js";

/** Cleanup for one test file: push closures, run them in afterEach. */
export class Cleanup {
  private readonly fns: (() => void)[] = [];
  push(fn: () => void): void {
    this.fns.push(fn);
  }
  run(): void {
    for (const fn of this.fns.splice(0)) fn();
  }
  /** A fresh directory under the system temp dir, removed with the rest. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  repo(prefix = "scan-", options: { bare?: boolean } = {}): TestRepo {
    const r = TestRepo.init(prefix, options);
    this.push(() => r.remove());
    return r;
  }
}

export interface Scan {
  eventName?: string;
  event?: unknown;
  inputs?: Record<string, string>;
  flavour?: Flavour;
  env?: Record<string, string>;
}

/** The secret-scan bundle over a repository, as a runner runs it. */
export async function scanRepo(cleanup: Cleanup, r: TestRepo, o: Scan = {}): Promise<HarnessResult> {
  const result = await runAction({
    action: "actions/secret-scan",
    flavour: o.flavour ?? "github",
    workspace: r.dir,
    eventName: o.eventName ?? "push",
    event: o.event ?? {},
    inputs: o.inputs,
    env: o.env,
  });
  cleanup.push(() => rmSync(result.runnerTemp, { recursive: true, force: true }));
  return result;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A planted secret may appear in no log, summary, output, state, report or other file under RUNNER_TEMP. */
export function expectNoLeak(result: HarnessResult, secrets: string[]): void {
  const places: [string, string][] = [
    ["log", result.rawLog],
    ["summary", result.summary],
    ["outputs", JSON.stringify(result.outputs)],
    ["state", JSON.stringify(result.state)],
    ...filesUnder(result.runnerTemp).map((f) => [f, readFileSync(f, "latin1")] as [string, string]),
  ];
  for (const secret of secrets) {
    for (const [where, text] of places) expect(text.includes(secret), `the secret leaked into ${where}`).toBe(false);
  }
}

export interface ReportJson {
  range: string;
  /** Where the rules came from (config input, GITLEAKS_CONFIG, .gitleaks.toml, fleet defaults). */
  rules: string;
  commits: number;
  commitsScanned?: number;
  trustedBase?: string;
  untrustedChanges?: string[];
  findings: { rule: string; file: string; path: string; line: number; commit: string; fingerprint: string }[];
}

export function scanReport(result: HarnessResult): ReportJson {
  return JSON.parse(readFileSync(result.outputs.report as string, "utf8")) as ReportJson;
}

/** Every finding as `path:line@commit`. */
export function found(result: HarnessResult): string[] {
  return scanReport(result).findings.map((f) => `${f.path}:${f.line}@${f.commit}`);
}

/**
 * The workflow commands a runner would execute from a raw log: every `::name...::` line outside
 * `::stop-commands::TOKEN` ... `::TOKEN::` (leading whitespace does not stop a command).
 */
export function commandsRun(rawLog: string): string[] {
  const run: string[] = [];
  let stopToken: string | undefined;
  for (const line of rawLog.split("\n")) {
    const command = line.trimStart();
    if (stopToken !== undefined) {
      if (command === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    if (command.startsWith("::stop-commands::")) stopToken = command.slice("::stop-commands::".length);
    else if (command.startsWith("::")) run.push(command);
  }
  return run;
}
