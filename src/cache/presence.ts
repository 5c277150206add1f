import { access } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { fileURLToPath } from "node:url";
import { mapConcurrent } from "../process/concurrency.js";
import { cacheBase, narinfoHash } from "./narinfo.js";
import { netrcFor, type NetrcEntry } from "./netrc.js";

/** What one cache said about one store path. An error is never taken to mean "present". */
export type Presence = { state: "present" } | { state: "absent" } | { state: "error"; message: string };

export interface PresenceOptions {
  /** Requests in flight at once, across all caches. */
  concurrency?: number;
  /** Per request: a cache that neither answers nor fails in time counts as an error. */
  timeoutMs?: number;
  /** Further attempts after a 5xx, a 429, a timeout or a dropped connection. */
  retries?: number;
  /** Delay before the first retry; doubled for each next one. */
  backoffMs?: number;
  netrc?: readonly NetrcEntry[];
}

export interface PathPresence {
  path: string;
  /** The caches that answered 200 for the path's narinfo. */
  cachedIn: string[];
  /** Caches that could not say: the path counts as not cached there. */
  errors: { cache: string; message: string }[];
}

class RetryableError extends Error {}

/**
 * Asks binary caches directly over HTTP whether they hold store paths, as Nix does (HEAD
 * `<cache>/<hash>.narinfo`: 200 present, 404 absent, 403 absent on S3), but without Nix's negative
 * cache, which would still say "absent" for an hour after a push. One keep-alive agent per scheme.
 */
export class CachePresence {
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly netrc: readonly NetrcEntry[];
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(options: PresenceOptions = {}) {
    this.concurrency = options.concurrency ?? 16;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 250;
    this.netrc = options.netrc ?? [];
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: this.concurrency }),
      https: new https.Agent({ keepAlive: true, maxSockets: this.concurrency }),
    };
  }

  /** Closes the kept-alive sockets so they cannot hold the process open. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Every path against every cache, in parallel up to the concurrency limit. Never throws for a cache's failure. */
  async check(caches: readonly string[], paths: readonly string[]): Promise<PathPresence[]> {
    const pairs = paths.flatMap((path) => caches.map((cache) => ({ path, cache })));
    const answers = await mapConcurrent(pairs, this.concurrency, ({ path, cache }) => this.presence(cache, path));
    return paths.map((path) => {
      const result: PathPresence = { path, cachedIn: [], errors: [] };
      pairs.forEach((pair, i) => {
        if (pair.path !== path) return;
        const answer = answers[i] as Presence;
        if (answer.state === "present") result.cachedIn.push(pair.cache);
        else if (answer.state === "error") result.errors.push({ cache: pair.cache, message: answer.message });
      });
      return result;
    });
  }

  /** One path in one cache. */
  async presence(cache: string, path: string): Promise<Presence> {
    let url: URL;
    try {
      url = new URL(`${cacheBase(cache)}/${narinfoHash(path)}.narinfo`);
    } catch (error) {
      return { state: "error", message: (error as Error).message };
    }
    if (url.protocol === "file:") return this.fileExists(url);
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return { state: "error", message: `${url.protocol}// caches cannot be asked over HTTP` };
    }
    let last = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
      try {
        const status = await this.head(url);
        if (status === 200) return { state: "present" };
        if (status === 404 || status === 403 || status === 410) return { state: "absent" };
        if (status === 401) return { state: "error", message: "HTTP 401: the cache wants credentials (cache-netrc)" };
        last = `HTTP ${status}`;
        if (status !== 429 && status < 500) return { state: "error", message: last };
      } catch (error) {
        if (!(error instanceof RetryableError)) return { state: "error", message: (error as Error).message };
        last = error.message;
      }
    }
    return { state: "error", message: `${last} after ${this.retries + 1} attempts` };
  }

  private async fileExists(url: URL): Promise<Presence> {
    try {
      await access(fileURLToPath(url));
      return { state: "present" };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === "ENOENT" ? { state: "absent" } : { state: "error", message: (error as Error).message };
    }
  }

  private head(url: URL): Promise<number> {
    const secure = url.protocol === "https:";
    const headers: Record<string, string> = { "user-agent": "nix-fleet-actions" };
    const entry = netrcFor(this.netrc, url.hostname);
    if (entry) headers.authorization = `Basic ${Buffer.from(`${entry.login}:${entry.password}`).toString("base64")}`;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method: "HEAD", headers, agent: secure ? this.agents.https : this.agents.http });
      request.setTimeout(this.timeoutMs, () => request.destroy(new RetryableError(`no answer within ${this.timeoutMs} ms`)));
      request.on("response", (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof RetryableError) reject(error);
        else if (["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"].includes(error.code ?? "")) reject(new RetryableError(error.message));
        else reject(error);
      });
      request.end();
    });
  }
}
