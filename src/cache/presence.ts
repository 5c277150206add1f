import { access, readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { fileURLToPath } from "node:url";
import { mapConcurrent } from "../process/concurrency.js";
import { displayUrl } from "../git/remote-url.js";
import { cacheBase, narinfoUrl } from "./narinfo.js";
import { netrcFor, type NetrcEntry } from "./netrc.js";

/** What one cache said about one store path. An error is never taken to mean "present". */
export type Presence = { state: "present" } | { state: "absent" } | { state: "error"; message: string };

export interface PresenceOptions {
  /** Requests in flight at once, across all caches. */
  concurrency?: number;
  /** Per request, connecting included: a cache that neither answers nor fails in time counts as an error. */
  timeoutMs?: number;
  /** Further attempts after a 5xx, a 429, a timeout or a dropped connection. */
  retries?: number;
  /** Delay before the first retry; doubled for each next one, with jitter. */
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

class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

interface Answer {
  status: number;
  body: string;
  retryAfterMs?: number;
}

/** Redirects followed, as Nix (curl) follows them. */
const MAX_REDIRECTS = 3;
/** A Retry-After longer than this is not waited for: the check would stall the whole plan. */
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * Asks binary caches directly over HTTP whether they hold store paths, as Nix does (HEAD
 * `<cache>/<hash>.narinfo`: 200 present, 404 absent, 403 absent on S3), but without Nix's negative
 * cache, which would still say "absent" for an hour after a push. One keep-alive agent per scheme.
 * A cache is first asked for its `nix-cache-info`: a URL that answers 200 to anything is not
 * taken for a cache holding everything.
 */
export class CachePresence {
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly netrc: readonly NetrcEntry[];
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly infos = new Map<string, Promise<string | undefined>>();

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
    const unique = [...new Set(caches)];
    const pairs = paths.flatMap((path) => unique.map((cache) => ({ path, cache })));
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
      url = new URL(narinfoUrl(cache, path));
    } catch (error) {
      return { state: "error", message: (error as Error).message };
    }
    if (url.protocol !== "file:" && url.protocol !== "http:" && url.protocol !== "https:") {
      return { state: "error", message: `${url.protocol}// caches cannot be asked over HTTP` };
    }
    const notACache = await this.cacheInfoProblem(cache);
    if (notACache) return { state: "error", message: notACache };
    if (url.protocol === "file:") return this.fileExists(url);
    let last = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const { status, retryAfterMs } = await this.request(url, "HEAD");
        if (status === 200) return { state: "present" };
        if (status === 404 || status === 403 || status === 410) return { state: "absent" };
        if (status === 401) return { state: "error", message: "HTTP 401: the cache wants credentials (cache-netrc)" };
        last = `HTTP ${status}`;
        if (status !== 429 && status < 500) return { state: "error", message: last };
        if (attempt < this.retries) await this.pause(attempt, retryAfterMs);
      } catch (error) {
        if (!(error instanceof RetryableError)) return { state: "error", message: (error as Error).message };
        last = error.message;
        if (attempt < this.retries) await this.pause(attempt, error.retryAfterMs);
      }
    }
    return { state: "error", message: `${last} after ${this.retries + 1} attempts` };
  }

  /** Exponential backoff with jitter, so that many checks do not retry in lockstep; a cache's Retry-After wins when given. */
  private pause(attempt: number, retryAfterMs?: number): Promise<void> {
    const backoff = this.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
    const ms = retryAfterMs === undefined ? backoff : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Why the URL is not a binary cache (no `StoreDir:` in its nix-cache-info), or undefined when it is one. Asked once per cache. */
  private cacheInfoProblem(cache: string): Promise<string | undefined> {
    let info = this.infos.get(cache);
    if (!info) {
      info = this.readCacheInfo(cache);
      this.infos.set(cache, info);
    }
    return info;
  }

  private async readCacheInfo(cache: string): Promise<string | undefined> {
    const url = new URL(`${cacheBase(cache)}/nix-cache-info`);
    let text: string;
    if (url.protocol === "file:") {
      try {
        text = await readFile(fileURLToPath(url), "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // nix copy writes nix-cache-info with the first path: an empty directory is an empty cache.
        return code === "ENOENT" ? undefined : (error as Error).message;
      }
    } else {
      let answer: Answer | undefined;
      let last = "";
      for (let attempt = 0; attempt <= this.retries && !answer; attempt++) {
        try {
          const got = await this.request(url, "GET");
          if (got.status === 429 || got.status >= 500) throw new RetryableError(`HTTP ${got.status}`, got.retryAfterMs);
          answer = got;
        } catch (error) {
          if (!(error instanceof RetryableError)) return (error as Error).message;
          last = error.message;
          if (attempt < this.retries) await this.pause(attempt, error.retryAfterMs);
        }
      }
      if (!answer) return `${last} after ${this.retries + 1} attempts`;
      if (answer.status === 401) return "HTTP 401: the cache wants credentials (cache-netrc)";
      if (answer.status !== 200) return `HTTP ${answer.status} for nix-cache-info: not a binary cache`;
      text = answer.body;
    }
    return /^StoreDir:\s*\S/m.test(text) ? undefined : `${displayUrl(url.href)} has no StoreDir line: not a binary cache`;
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

  /** One request, following redirects; netrc credentials go to the host the netrc names them for, and nowhere else. */
  private async request(url: URL, method: "HEAD" | "GET"): Promise<Answer> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(current, method);
      const location = answer.location;
      if (answer.status < 300 || answer.status >= 400 || answer.status === 304 || !location) return answer;
      if (hop === MAX_REDIRECTS) return { status: answer.status, body: "" };
      const next = new URL(location, current);
      // No other schemes, and no step down from https to http, where the netrc would go in clear.
      if (next.protocol !== "http:" && next.protocol !== "https:") return { status: answer.status, body: "" };
      if (current.protocol === "https:" && next.protocol === "http:") return { status: answer.status, body: "" };
      current = next;
    }
  }

  private once(url: URL, method: "HEAD" | "GET"): Promise<Answer & { location?: string }> {
    const secure = url.protocol === "https:";
    const headers: Record<string, string> = { "user-agent": "nix-fleet-actions" };
    const entry = netrcFor(this.netrc, url.hostname);
    if (entry) headers.authorization = `Basic ${Buffer.from(`${entry.login}:${entry.password}`).toString("base64")}`;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method, headers, agent: secure ? this.agents.https : this.agents.http });
      // One deadline for the whole exchange: name lookup and connecting count too, not only waiting for the answer.
      const timer = setTimeout(() => request.destroy(new RetryableError(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          // nix-cache-info is a few lines: never hold more of a body than that.
          if (method === "GET" && size < 64 * 1024) chunks.push(chunk);
          size += chunk.length;
        });
        response.on("end", () => {
          clearTimeout(timer);
          const after = Number(response.headers["retry-after"]);
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            location: response.headers.location,
            retryAfterMs: Number.isFinite(after) && after >= 0 ? after * 1000 : undefined,
          });
        });
        response.on("error", (error) => {
          clearTimeout(timer);
          reject(new RetryableError(error.message));
        });
      });
      request.on("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (error instanceof RetryableError) reject(error);
        else if (["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"].includes(error.code ?? "")) reject(new RetryableError(error.message));
        else reject(error);
      });
      request.end();
    });
  }
}
