import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, describe } from "vitest";
import { DownloadError, downloadFile } from "../../src/scan/download.js";

/** A loopback server with a route per fault: real sockets, real timing. */
let server: Server;
let base = "";
const open = new Set<ServerResponse>();
const work = mkdtempSync(join(tmpdir(), "download-"));
const BODY = Buffer.alloc(64 * 1024, 7);

beforeAll(async () => {
  server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const url = req.url ?? "";
    if (url === "/file") res.writeHead(200, { "content-length": BODY.length }).end(BODY);
    else if (url === "/relative") res.writeHead(302, { location: "/dir/../file" }).end();
    else if (url === "/dir/sibling") res.writeHead(301, { location: "../file" }).end();
    else if (url === "/loop") res.writeHead(302, { location: "/loop" }).end();
    else if (url === "/to-plain-http") res.writeHead(302, { location: "http://example.org/file" }).end();
    else if (url === "/silent") {
      // Accepts the request, never answers.
    } else if (url === "/stall") {
      // Sends headers and half the body, then nothing.
      res.writeHead(200, { "content-length": BODY.length });
      res.write(BODY.subarray(0, BODY.length / 2));
    } else res.writeHead(404).end("no");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

const limits = { responseMs: 500, stallMs: 500, maxRedirects: 5 };
let n = 0;
const dest = () => join(work, `f${n++}`);

async function failure(path: string): Promise<{ error: Error; file: string; ms: number }> {
  const file = dest();
  const started = Date.now();
  const error = await downloadFile(`${base}${path}`, file, limits).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, path).toBeInstanceOf(DownloadError);
  return { error: error as Error, file, ms: Date.now() - started };
}

describe("downloadFile", () => {
  it("downloads, following a relative Location against the URL that sent it", async () => {
    for (const path of ["/file", "/relative", "/dir/sibling"]) {
      const file = dest();
      await downloadFile(`${base}${path}`, file, limits);
      expect(readFileSync(file).equals(BODY), path).toBe(true);
    }
  });

  it("gives up on a server that never answers, and on one that stalls mid-body, leaving no file", async () => {
    const silent = await failure("/silent");
    expect(silent.error.message).toMatch(/no response within 0.5 s/);
    const stalled = await failure("/stall");
    expect(stalled.error.message).toMatch(/stalled: nothing received for 0.5 s/);
    for (const r of [silent, stalled]) {
      expect(r.ms).toBeLessThan(5_000);
      expect(existsSync(r.file)).toBe(false);
    }
  });

  it("refuses endless redirects, a redirect to plain http off loopback, and HTTP errors", async () => {
    expect((await failure("/loop")).error.message).toMatch(/more than 5 redirects/);
    expect((await failure("/to-plain-http")).error.message).toMatch(/redirected to http:\/\/example\.org, which is not https/);
    const missing = await failure("/missing");
    expect(missing.error.message).toBe("HTTP 404 Not Found");
    expect(existsSync(missing.file)).toBe(false);
  });
});
