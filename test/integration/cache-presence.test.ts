import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CachePresence } from "../../src/cache/presence.js";
import { startHttpCache, type HttpCache } from "../support/http-cache.js";

const present = "/nix/store/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb-nixos-system-web";
const absent = "/nix/store/873jd1xjidpjcmddr2llga7jlzssjn3j-fleet-base";
const many = Array.from({ length: 40 }, (_, i) => `/nix/store/${String(i).padStart(2, "0")}${"a".repeat(30)}-host-${i}`);

describe("asking a binary cache over HTTP which paths it holds", () => {
  let cache: HttpCache;
  let checker: CachePresence | undefined;
  beforeAll(async () => {
    cache = await startHttpCache();
    writeFileSync(join(cache.dir, "nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
    writeFileSync(join(cache.dir, "8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb.narinfo"), `StorePath: ${present}\n`);
    for (const p of many.slice(0, 20)) writeFileSync(join(cache.dir, `${p.slice(11, 43)}.narinfo`), `StorePath: ${p}\n`);
  });
  afterEach(() => {
    checker?.close();
    checker = undefined;
    cache.faults.length = 0;
    cache.requests.length = 0;
  });
  afterAll(() => cache.stop());

  it("answers present for 200 and absent for 404, with HEAD requests", async () => {
    checker = new CachePresence();
    const [a, b] = await checker.check([cache.url], [present, absent]);
    expect(a).toEqual({ path: present, cachedIn: [cache.url], errors: [] });
    expect(b).toEqual({ path: absent, cachedIn: [], errors: [] });
    // One GET of nix-cache-info for the cache, then one HEAD per path.
    expect(cache.requests).toEqual([
      { method: "GET", path: "/nix-cache-info" },
      { method: "HEAD", path: "/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb.narinfo" },
      { method: "HEAD", path: "/873jd1xjidpjcmddr2llga7jlzssjn3j.narinfo" },
    ]);
  });

  it("counts 403 and 410 as absent, as Nix does", async () => {
    checker = new CachePresence({ retries: 0 });
    await checker.presence(cache.url, absent); // nix-cache-info asked before the faults below
    cache.faults.push({ status: 403, times: 1 }, { status: 410, times: 1 });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "absent" });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "absent" });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
  });

  it("asks a cache listed twice only once, and names it once", async () => {
    checker = new CachePresence();
    const [a] = await checker.check([cache.url, cache.url], [present]);
    expect(a?.cachedIn).toEqual([cache.url]);
    expect(cache.requests.filter((r) => r.method === "HEAD")).toHaveLength(1);
  });

  it("asks many paths over a few kept-alive connections, bounded by the concurrency", async () => {
    checker = new CachePresence({ concurrency: 4 });
    const before = cache.connections();
    const results = await checker.check([cache.url], many);
    expect(results.filter((r) => r.cachedIn.length).map((r) => r.path)).toEqual(many.slice(0, 20));
    expect(cache.requests.filter((r) => r.method === "HEAD")).toHaveLength(40);
    expect(cache.connections() - before).toBeLessThanOrEqual(4);
  });

  it("counts a cache that answers 500 as not cached, with the error, after retrying", async () => {
    cache.faults.push({ status: 500 });
    checker = new CachePresence({ retries: 2, backoffMs: 10 });
    const [r] = await checker.check([cache.url], [present]);
    expect(r?.cachedIn).toEqual([]);
    expect(r?.errors).toEqual([{ cache: cache.url, message: "HTTP 500 after 3 attempts" }]);
    expect(cache.requests).toHaveLength(3);
  });

  it("retries a 429 and a 503 and then takes the real answer", async () => {
    cache.faults.push({ match: ".narinfo", status: 429, times: 1 }, { match: ".narinfo", status: 503, times: 1 });
    checker = new CachePresence({ retries: 2, backoffMs: 10 });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
    expect(cache.requests.filter((r) => r.method === "HEAD")).toHaveLength(3);
  });

  it("waits as long as a 429's Retry-After says", async () => {
    cache.faults.push({ match: ".narinfo", status: 429, times: 1, headers: { "retry-after": "1" } });
    checker = new CachePresence({ retries: 1, backoffMs: 1 });
    const t0 = Date.now();
    expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("follows a redirect, sending credentials only to the cache's own host", async () => {
    const target = await startHttpCache({ dir: cache.dir, auth: { basic: { login: "", password: "tok" } } });
    // Same host, other port: 127.0.0.1 vs localhost are different hosts for credentials.
    const elsewhere = target.url.replace("127.0.0.1", "localhost");
    try {
      cache.faults.push({ match: ".narinfo", status: 302, headers: { location: `${target.url}/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb.narinfo` } });
      checker = new CachePresence({ retries: 0, netrc: [{ machine: "127.0.0.1", login: "", password: "tok" }] });
      expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
      cache.faults.length = 0;
      cache.faults.push({ match: ".narinfo", status: 302, headers: { location: `${elsewhere}/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb.narinfo` } });
      expect(await checker.presence(cache.url, present)).toEqual({ state: "error", message: "HTTP 401: the cache wants credentials (cache-netrc)" });
    } finally {
      await target.stop();
    }
  });

  it("gives up on a cache that never answers, within the per-request timeout", async () => {
    cache.faults.push({ hang: true });
    checker = new CachePresence({ timeoutMs: 150, retries: 1, backoffMs: 10 });
    const t0 = Date.now();
    const answer = await checker.presence(cache.url, present);
    expect(answer).toEqual({ state: "error", message: "no answer within 150 ms after 2 attempts" });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("gives up within the timeout on a cache that does not even accept the connection", async () => {
    // A listener that never accepts, its queue filled: the kernel drops further SYNs, so connect() hangs.
    const listener: ChildProcess = spawn("perl", [
      "-MIO::Socket::INET",
      "-e",
      '$s = IO::Socket::INET->new(Listen => 0, LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp") or die; $| = 1; print $s->sockport, "\\n"; sleep 60',
    ]);
    const fillers: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) => listener.stdout?.once("data", (d) => resolve(Number(String(d).trim()))));
      for (let i = 0; i < 16; i++) fillers.push(net.connect(port, "127.0.0.1").on("error", () => undefined));
      checker = new CachePresence({ timeoutMs: 200, retries: 0 });
      const t0 = Date.now();
      const answer = await checker.presence(`http://127.0.0.1:${port}`, present);
      expect(answer).toEqual({ state: "error", message: "no answer within 200 ms after 1 attempts" });
      expect(Date.now() - t0).toBeLessThan(1500);
    } finally {
      fillers.forEach((s) => s.destroy());
      listener.kill();
    }
  });

  it("does not take a URL that answers 200 to everything for a cache holding everything", async () => {
    const server = http.createServer((_req, res) => res.writeHead(200, { "content-length": 5 }).end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      checker = new CachePresence({ retries: 0 });
      const [r] = await checker.check([url, cache.url], [present]);
      expect(r?.cachedIn).toEqual([cache.url]);
      expect(r?.errors).toEqual([{ cache: url, message: `${url}/nix-cache-info has no StoreDir line: not a binary cache` }]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("waits for a slow cache that answers within the timeout", async () => {
    cache.faults.push({ delayMs: 200 });
    checker = new CachePresence({ timeoutMs: 2000 });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
  });

  it("counts a cache that cannot be reached as not cached", async () => {
    checker = new CachePresence({ retries: 0 });
    const answer = await checker.presence("http://127.0.0.1:1", present);
    expect(answer.state).toBe("error");
  });

  it("reads file:// caches from disk", async () => {
    checker = new CachePresence();
    expect(await checker.presence(`file://${cache.dir}`, present)).toEqual({ state: "present" });
    expect(await checker.presence(`file://${cache.dir}/`, absent)).toEqual({ state: "absent" });
  });

  it("names no credentials from a cache URL in its errors", async () => {
    checker = new CachePresence({ retries: 0 });
    const server = http.createServer((_req, res) => res.writeHead(200, { "content-length": 2 }).end("no"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://user:pa55word@127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const answer = await checker.presence(url, present);
      expect(answer.state).toBe("error");
      expect(JSON.stringify(answer)).not.toContain("pa55word");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("a private cache", () => {
  let cache: HttpCache;
  const empty = mkdtempSync(join(tmpdir(), "private-cache-"));
  beforeAll(async () => {
    cache = await startHttpCache({ dir: empty, auth: { basic: { login: "", password: "s3cret-token" } } });
    writeFileSync(join(empty, "8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb.narinfo"), `StorePath: ${present}\n`);
  });
  afterAll(async () => {
    await cache.stop();
    rmSync(empty, { recursive: true, force: true });
  });

  it("is an error without credentials, never 'cached'", async () => {
    const checker = new CachePresence({ retries: 0 });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "error", message: "HTTP 401: the cache wants credentials (cache-netrc)" });
    checker.close();
  });

  it("answers with the netrc's credentials for its host", async () => {
    const checker = new CachePresence({ netrc: [{ machine: "127.0.0.1", login: "", password: "s3cret-token" }] });
    expect(await checker.presence(cache.url, present)).toEqual({ state: "present" });
    expect(await checker.presence(cache.url, absent)).toEqual({ state: "absent" });
    checker.close();
  });
});
