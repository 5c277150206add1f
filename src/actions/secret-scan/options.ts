import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Inputs } from "../../runner/inputs.js";
import { OFFICIAL_DOWNLOAD_URL } from "../../scan/install.js";
import { parsePublishedRef, parseRangeInput, type PublishedRef, type RangeInput } from "../../scan/range.js";

export interface SecretScanOptions {
  range: RangeInput;
  /** As given, for the report. */
  rangeText: string;
  published?: PublishedRef;
  config?: string;
  baseline?: string;
  gitleaksPath?: string;
  gitleaksVersion?: string;
  downloadUrl: string;
  sarifPath: string;
  reportPath: string;
  failOnFindings: boolean;
  /** The repository to scan (the workspace on a runner). */
  workspace: string;
  /** Where temporary files go: a 0700 directory inside it is removed before the step ends. */
  tempDir: string;
  eventName: string;
  event: unknown;
  /** Credentials inside published-ref's URL: masked before anything runs. */
  secrets: string[];
}

/** The password (or token) in a URL's userinfo, which git may print back in an error. */
export function urlCredentials(url: string): string[] {
  const m = /^https?:\/\/([^/@\s]*)@/i.exec(url);
  if (!m?.[1]) return [];
  const [user = "", password = ""] = m[1].split(/:(.*)/s);
  return [m[1], password ? password : user].filter((s) => s.length >= 4);
}

function existingFile(inputs: Inputs, name: string, base: string, expected: string): string | undefined {
  const value = inputs.optionalString(name);
  if (value === undefined) return undefined;
  const path = isAbsolute(value) ? value : resolve(base, value);
  if (!existsSync(path) || !statSync(path).isFile()) throw inputs.error(name, `'${value}' is not a file (${path}). Expected ${expected}.`);
  return path;
}

/** The event that started the run: the payload file the runner wrote, or none (a terminal). */
export function readEvent(env: NodeJS.ProcessEnv): { eventName: string; event: unknown } {
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  const path = env.GITHUB_EVENT_PATH;
  if (!eventName || !path || !existsSync(path)) return { eventName, event: {} };
  try {
    return { eventName, event: JSON.parse(readFileSync(path, "utf8")) };
  } catch (error) {
    throw new Error(`the event payload ${path} is not JSON: ${(error as Error).message}`);
  }
}

export function readSecretScanOptions(inputs: Inputs, env: NodeJS.ProcessEnv, cwd = process.cwd(), paths: { tempDir?: string } = {}): SecretScanOptions {
  const workspace = env.GITHUB_WORKSPACE || cwd;
  const tempDir = paths.tempDir ?? resolve(env.RUNNER_TEMP || cwd, "nix-fleet");

  const rangeText = inputs.string("range", "auto");
  const range = parseRangeInput(rangeText);
  if ("error" in range) throw inputs.error("range", range.error);

  const publishedText = inputs.optionalString("published-ref");
  let published: PublishedRef | undefined;
  if (publishedText !== undefined) {
    const parsed = parsePublishedRef(publishedText);
    if ("error" in parsed) throw inputs.error("published-ref", parsed.error);
    published = parsed;
  }
  if (range.kind === "unpublished" && !published) {
    throw inputs.error("published-ref", "it is required with range 'unpublished'. Expected a ref of this clone or <git-url>#<branch>.");
  }

  const gitleaksVersion = inputs.optionalString("gitleaks-version")?.replace(/^v/, "");
  if (gitleaksVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(gitleaksVersion)) {
    throw inputs.error("gitleaks-version", `'${gitleaksVersion}' is not a release version. Expected a version such as 8.24.3.`);
  }
  const downloadUrl = inputs.string("gitleaks-download-url", OFFICIAL_DOWNLOAD_URL);
  if (!/^https?:\/\/[^\s/]+/.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is not an http(s) URL. Expected the base URL of gitleaks releases, holding v<version>/ folders.`);
  }

  const sarif = inputs.optionalString("sarif");
  const { eventName, event } = readEvent(env);
  return {
    range,
    rangeText,
    published,
    config: existingFile(inputs, "config", workspace, "the path of a gitleaks TOML config"),
    baseline: existingFile(inputs, "baseline", workspace, "the path of a gitleaks JSON report to use as baseline"),
    gitleaksPath: existingFile(inputs, "gitleaks-path", workspace, "the path of the gitleaks executable"),
    gitleaksVersion,
    downloadUrl,
    failOnFindings: inputs.bool("fail-on-findings", true),
    sarifPath: sarif ? resolve(workspace, sarif) : resolve(tempDir, "secret-scan.sarif"),
    reportPath: resolve(tempDir, "secret-scan-report.json"),
    workspace,
    tempDir,
    eventName,
    event,
    secrets: published?.kind === "remote" ? urlCredentials(published.url) : [],
  };
}
