import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, isAbsolute, join, relative, sep } from "node:path";
import type { GitHistory } from "../git/git.js";
import { requireCommit, type RangeLog } from "./resolve-range.js";

/** Where gitleaks takes its config and ignore files from, and what was left out. */
export interface TrustedFiles {
  source: string;
  gitDir?: string;
  config?: string;
  baseline?: string;
  ignoreFile: boolean;
  base?: string;
  changed?: string[];
}

export interface TrustRequest {
  eventName: string;
  event: unknown;
  config?: string;
  baseline?: string;
}

export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set(["pull_request", "pull_request_target"]);

/**
 * A pull request may change .gitleaks.toml, .gitleaksignore, or the files `config` and
 * `baseline` name, and so switch its own scan off: for pull requests gitleaks gets the base
 * commit's versions instead, in a directory of their own (`dir`, with GIT_DIR pointing at the clone).
 */
export async function trustedFiles(o: TrustRequest, repo: GitHistory, root: string, dir: string, log: RangeLog): Promise<TrustedFiles> {
  if (!PULL_REQUEST_EVENTS.has(o.eventName)) {
    return { source: root, config: o.config, baseline: o.baseline, ignoreFile: existsSync(join(root, ".gitleaksignore")) };
  }
  const baseSha = (o.event as { pull_request?: { base?: { sha?: unknown } } }).pull_request?.base?.sha;
  if (typeof baseSha !== "string" || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(baseSha)) {
    throw new Error(`the ${o.eventName} event has no base commit. Expected pull_request.base.sha.`);
  }
  const base = await requireCommit(baseSha, "the pull request's base commit", repo, log);
  await mkdir(dir, { recursive: true });
  const changed: string[] = [];
  /** The base's version of a repository file, written into `dir`; undefined when the base has none. */
  const fromBase = async (rel: string, name: string): Promise<string | undefined> => {
    const content = await repo.tryShow(base, rel);
    const current = await readFile(join(root, rel), "utf8").catch(() => undefined);
    if (current !== content) changed.push(rel);
    if (content === undefined) return undefined;
    await writeFile(join(dir, name), content);
    return join(dir, name);
  };
  const inRepo = (path: string | undefined): string | undefined => {
    if (!path) return undefined;
    const rel = relative(root, path);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel.split(sep).join("/") : undefined;
  };
  await fromBase(".gitleaks.toml", ".gitleaks.toml");
  const ignoreFile = (await fromBase(".gitleaksignore", ".gitleaksignore")) !== undefined;
  const pick = async (path: string | undefined, name: string): Promise<string | undefined> => {
    const rel = inRepo(path);
    if (!rel) return path;
    const trusted = await fromBase(rel, `${name}-${basename(rel)}`);
    if (!trusted) log.warning(`${rel} (input '${name}') is not in the pull request's base commit: scanning without it.`);
    return trusted;
  };
  const config = await pick(o.config, "config");
  const baseline = await pick(o.baseline, "baseline");
  if (changed.length) {
    log.warning(`this pull request changes ${changed.join(", ")}: the scan uses the base commit's version instead, so that a pull request cannot switch its own scan off.`);
  }
  return { source: dir, gitDir: await repo.gitDir(), config, baseline, ignoreFile, base, changed };
}
