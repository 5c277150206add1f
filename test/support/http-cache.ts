import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";

export interface HttpCacheOptions {
  /** The directory to serve (what `nix copy --to file://<dir>` wrote); default: a fresh empty one. */
  dir?: string;
  auth?: { basic?: { login: string; password: string }; bearer?: string };
  /** Take uploads (PUT), as `nix copy --to http://...` sends them. */
  writable?: boolean;
}

/** A failure injected for every path, or for the paths whose URL path includes `match`. */
export interface Fault {
  match?: string;
  /** Answer with this status instead. */
  status?: number;
  /** Answer only after this many ms. */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
  /** Only the first N matching requests fail; afterwards served normally. */
  times?: number;
  /** Headers to send with the status (Retry-After, Location). */
  headers?: Record<string, string>;
}

export interface HttpCache {
  url: string;
  dir: string;
  /** Every request received: method and URL path. */
  requests: { method: string; path: string }[];
  faults: Fault[];
  /** Answer uploads whose path contains this with 200 but keep nothing: a cache that loses what it is sent. */
  discardUploads: string | undefined;
  /** Sockets opened so far: keep-alive means fewer than requests. */
  connections(): number;
  stop(): Promise<void>;
}

/**
 * A Nix binary cache over HTTP on 127.0.0.1 (random port), serving a `file://` cache directory as
 * Harmonia or nix-serve would: GET and HEAD, 404 for what is missing, a nix-cache-info even when the
 * directory has none yet, optional basic or bearer
 * auth, PUT uploads when writable, and injectable failures (a status, a delay, a hang).
 */
export async function startHttpCache(options: HttpCacheOptions = {}): Promise<HttpCache> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "http-cache-"));
  const requests: HttpCache["requests"] = [];
  const faults: Fault[] = [];
  const hanging = new Set<http.ServerResponse>();
  const state: { discardUploads: string | undefined } = { discardUploads: undefined };
  let connections = 0;

  // Without a length, a bodiless answer to HEAD can only be delimited by closing the connection.
  const empty = (res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders = {}) =>
    res.writeHead(status, { ...headers, "content-length": 0 }).end();

  const authorized = (req: http.IncomingMessage) => {
    const a = options.auth;
    if (!a) return true;
    const header = req.headers.authorization ?? "";
    if (a.bearer && header === `Bearer ${a.bearer}`) return true;
    if (a.basic && header === `Basic ${Buffer.from(`${a.basic.login}:${a.basic.password}`).toString("base64")}`) return true;
    return false;
  };

  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (!authorized(req)) {
      empty(res, 401, { "www-authenticate": 'Basic realm="cache"' });
      return;
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir)) {
      empty(res, 400);
      return;
    }
    if (req.method === "PUT") {
      if (!options.writable) return empty(res, 405);
      if (state.discardUploads !== undefined && path.includes(state.discardUploads)) {
        req.resume();
        req.on("end", () => empty(res, 200));
        return;
      }
      mkdirSync(dirname(file), { recursive: true });
      req.pipe(createWriteStream(file)).on("finish", () => empty(res, 200));
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error("not a file");
      size = st.size;
    } catch {
      // Harmonia and nix-serve always describe themselves, even with an empty store.
      if (path === "/nix-cache-info") {
        const info = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
        res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(info) });
        res.end(req.method === "HEAD" ? undefined : info);
        return;
      }
      empty(res, 404);
      return;
    }
    const type = path.endsWith(".narinfo") ? "text/x-nix-narinfo" : path === "/nix-cache-info" ? "text/plain" : "application/octet-stream";
    res.writeHead(200, { "content-type": type, "content-length": size });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ method: req.method ?? "", path });
    const fault = faults.find((f) => (f.match === undefined || path.includes(f.match)) && (f.times === undefined || f.times > 0));
    if (!fault) return serve(req, res);
    if (fault.times !== undefined) fault.times--;
    if (fault.hang) {
      hanging.add(res);
      return;
    }
    const answer = () => (fault.status ? empty(res, fault.status, fault.headers) : serve(req, res));
    if (fault.delayMs) setTimeout(answer, fault.delayMs);
    else answer();
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    requests,
    faults,
    get discardUploads() {
      return state.discardUploads;
    },
    set discardUploads(value: string | undefined) {
      state.discardUploads = value;
    },
    connections: () => connections,
    async stop() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
