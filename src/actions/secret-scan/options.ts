import { tmpdir } from "node:os";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { delimiter, isAbsolute, relative, resolve } from "node:path";
import { displayUrl, urlCredentials } from "../../git/remote-url.js";
import type { Inputs } from "../../runner/inputs.js";
import { outputPath } from "../../runner/output-path.js";
import { OFFICIAL_DOWNLOAD_URL } from "../../scan/install.js";
import { isLoopbackUrl } from "../../scan/proxy.js";
import { PULL_REQUEST_EVENTS } from "../../scan/trusted-files.js";
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
  gitleaksSha256?: string;
  /** PATH without the pull request's own directories (see trustedSearchPath). */
  searchPath?: string;
  /** Given by `sarif` (or --sarif); else a fresh directory per step holds it. */
  sarifPath?: string;
  /** Given by --report in the CLI; else a fresh directory per step holds it. */
  reportPath?: string;
  failOnFindings: boolean;
  /** gitleaks is stopped after this many minutes, and the scan fails. */
  gitleaksTimeoutMinutes: number;
  /** The repository to scan (the workspace on a runner). */
  workspace: string;
  /** Where temporary files go: a 0700 directory inside it is removed before the step ends. */
  tempDir: string;
  eventName: string;
  event: unknown;
  /** Credentials inside published-ref's URL: masked before anything runs. */
  secrets: string[];
}



/** Whether `path`, symlinks resolved, lies in `dir` (symlinks resolved too). */
function insideDir(path: string, dir: string): boolean {
  const rel = relative(realpathSync(dir), realpathSync(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/**
 * PATH for finding gitleaks on a pull request: without the directories inside the checkout (an
 * earlier step may have put the pull request's `bin/` there) and without relative ones (taken from
 * the working directory, the checkout): the scanner must not come from the change it scans.
 */
function trustedSearchPath(path: string, workspace: string): string {
  return path
    .split(delimiter)
    .filter((dir) => dir && isAbsolute(dir) && existsSync(dir) && !insideDir(dir, workspace))
    .join(delimiter);
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Where a runner's step puts its files (reports, the private scratch dir): main and post agree on it. */
export function runnerTempDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet");
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

/**
 * `paths.tempDir`: where the CLI keeps its files. `paths.terminal`: paths to write (`sarif`) may
 * then be anywhere the user chooses (see outputPath).
 */
export function readSecretScanOptions(inputs: Inputs, env: NodeJS.ProcessEnv, cwd = process.cwd(), paths: { tempDir?: string; terminal?: boolean } = {}): SecretScanOptions {
  const workspace = env.GITHUB_WORKSPACE || cwd;
  const tempDir = paths.tempDir ?? runnerTempDir(env);

  const rangeText = inputs.string("range", "auto");
  const range = parseRangeInput(rangeText);
  if ("error" in range) throw inputs.error("range", range.error);

  const publishedText = inputs.optionalString("published-ref");
  // Masked before anything can print the value, an error about the value itself included.
  const secrets = publishedText === undefined ? [] : urlCredentials(publishedText);
  for (const secret of secrets) inputs.mask(secret);
  let published: PublishedRef | undefined;
  if (publishedText !== undefined) {
    const parsed = parsePublishedRef(publishedText);
    if ("error" in parsed) throw inputs.error("published-ref", parsed.error);
    published = parsed;
  }
  if (published && range.kind !== "unpublished") {
    throw inputs.error("published-ref", `it only applies to range 'unpublished', not '${rangeText}'. Expected it empty, or range: unpublished.`);
  }
  if (range.kind === "unpublished" && !published) {
    throw inputs.error("published-ref", "it is required with range 'unpublished'. Expected a ref of this clone or <git-url>#<branch>.");
  }

  const gitleaksVersion = inputs.optionalString("gitleaks-version")?.replace(/^v/, "");
  if (gitleaksVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(gitleaksVersion)) {
    throw inputs.error("gitleaks-version", `'${gitleaksVersion}' is not a release version. Expected a version such as 8.24.3.`);
  }
  const downloadUrl = inputs.string("gitleaks-download-url", OFFICIAL_DOWNLOAD_URL);
  for (const secret of urlCredentials(downloadUrl)) inputs.mask(secret);
  const releases = "Expected the https base URL of gitleaks releases, holding v<version>/ folders";
  const parsed = /^https?:\/\/[^\s/]+/.test(downloadUrl) ? parseUrl(downloadUrl) : undefined;
  if (!parsed) throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is not an http(s) URL. ${releases}.`);
  if (urlCredentials(downloadUrl).length || /^[a-z]+:\/\/[^/]*@/i.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${displayUrl(downloadUrl)}' holds credentials, which would be logged with every download. ${releases}, readable without credentials.`);
  }
  if (!/^https:/i.test(downloadUrl) && !(parsed.protocol === "http:" && isLoopbackUrl(parsed))) {
    throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is plain http: anyone on the way could swap the archive. ${releases}.`);
  }
  const gitleaksSha256 = inputs.optionalString("gitleaks-sha256")?.toLowerCase();
  if (gitleaksSha256 !== undefined && !/^[0-9a-f]{64}$/.test(gitleaksSha256)) {
    throw inputs.error("gitleaks-sha256", `'${gitleaksSha256}' is not a sha256. Expected 64 hex digits, the sha256 of the release archive for this runner.`);
  }

  const sarif = inputs.optionalString("sarif");
  const { eventName, event } = readEvent(env);
  const gitleaksPath = inputs.existingFile("gitleaks-path", workspace, "the path of the gitleaks executable");
  if (gitleaksPath && PULL_REQUEST_EVENTS.has(eventName) && insideDir(gitleaksPath, workspace)) {
    // The checkout is the pull request's: its "gitleaks" could pass any leak and run any code.
    throw inputs.error(
      "gitleaks-path",
      `'${gitleaksPath}' is inside the checkout, which on ${eventName} is the pull request's own: the scanner must not come from the change it scans. ` +
        "Expected a gitleaks installed on the runner outside the workspace, or gitleaks-path empty to have the action download a checksum-verified release.",
    );
  }
  return {
    range,
    rangeText,
    published,
    config: inputs.existingFile("config", workspace, "the path of a gitleaks TOML config"),
    baseline: inputs.existingFile("baseline", workspace, "the path of a gitleaks JSON report to use as baseline"),
    gitleaksPath,
    gitleaksVersion,
    downloadUrl,
    gitleaksSha256,
    searchPath: PULL_REQUEST_EVENTS.has(eventName) ? trustedSearchPath(env.PATH ?? "", workspace) : undefined,
    failOnFindings: inputs.bool("fail-on-findings", true),
    gitleaksTimeoutMinutes: inputs.int("gitleaks-timeout", 30, { min: 1, max: 1440 }),
    sarifPath: sarif ? outputPath(inputs, "sarif", sarif, { workspace, temp: env.RUNNER_TEMP || tmpdir() }, !paths.terminal) : undefined,
    workspace,
    tempDir,
    eventName,
    event,
    secrets,
  };
}
