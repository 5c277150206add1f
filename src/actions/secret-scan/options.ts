import { tmpdir } from "node:os";
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { displayUrl, urlCredentials } from "../../git/remote-url.js";
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
  gitleaksSha256?: string;
  /** Given by `sarif` (or --sarif); else a fresh directory per step holds it. */
  sarifPath?: string;
  /** Given by --report in the CLI; else a fresh directory per step holds it. */
  reportPath?: string;
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

/** Loopback hosts, where plain http cannot be intercepted on the way. */
const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i;

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
  const tempDir = paths.tempDir ?? resolve(env.RUNNER_TEMP || tmpdir(), "nix-fleet");

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
  if (!/^https?:\/\/[^\s/]+/.test(downloadUrl)) throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is not an http(s) URL. ${releases}.`);
  if (urlCredentials(downloadUrl).length || /^[a-z]+:\/\/[^/]*@/i.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${displayUrl(downloadUrl)}' holds credentials, which would be logged with every download. ${releases}, readable without credentials.`);
  }
  if (!/^https:/i.test(downloadUrl) && !LOOPBACK.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is plain http: anyone on the way could swap the archive. ${releases}.`);
  }
  const gitleaksSha256 = inputs.optionalString("gitleaks-sha256")?.toLowerCase();
  if (gitleaksSha256 !== undefined && !/^[0-9a-f]{64}$/.test(gitleaksSha256)) {
    throw inputs.error("gitleaks-sha256", `'${gitleaksSha256}' is not a sha256. Expected 64 hex digits, the sha256 of the release archive for this runner.`);
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
    gitleaksSha256,
    failOnFindings: inputs.bool("fail-on-findings", true),
    sarifPath: sarif ? resolve(workspace, sarif) : undefined,
    workspace,
    tempDir,
    eventName,
    event,
    secrets,
  };
}
