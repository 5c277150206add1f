import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { get as httpGet, request as httpRequest, type ClientRequest, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import type { Socket } from "node:net";
import { pipeline } from "node:stream/promises";
import { connect as tlsConnect } from "node:tls";
import { displayProxy, isLoopbackUrl, proxyFor } from "./proxy.js";

/**
 * How long a download may take to start and how long it may stall: a mirror that accepts the
 * connection and then sends nothing must not hold the step until the runner gives up.
 */
export interface DownloadLimits {
  /** Until the response headers arrive (connect, TLS, the server's answer). */
  responseMs: number;
  /** The longest time without a byte, once the body flows. */
  stallMs: number;
  maxRedirects: number;
}

export const DOWNLOAD_LIMITS: DownloadLimits = { responseMs: 30_000, stallMs: 30_000, maxRedirects: 10 };

export class DownloadError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads `url` into `dest` (a new file, created exclusively, 0600): redirects followed, a
 * relative `Location` taken against the URL that sent it, never from https down to plain http off
 * loopback; TLS always verified (Node's defaults, NODE_EXTRA_CA_CERTS included), through
 * `https_proxy` when one is set (proxy.ts). On any failure `dest` is removed.
 */
export async function downloadFile(url: string, dest: string, limits: DownloadLimits = DOWNLOAD_LIMITS, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, limits, env);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status) && response.headers.location) {
      response.resume();
      if (redirects >= limits.maxRedirects) throw new DownloadError(`more than ${limits.maxRedirects} redirects`);
      const next = new URL(response.headers.location, current);
      if (next.protocol !== "https:" && !(next.protocol === "http:" && isLoopbackUrl(next))) {
        throw new DownloadError(`redirected to ${next.protocol}//${next.host}, which is not https: refusing to download over it`);
      }
      current = next;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new DownloadError(`HTTP ${status} ${response.statusMessage ?? ""}`.trim());
    }
    try {
      await pipeline(response, createWriteStream(dest, { flags: "wx", mode: 0o600 }));
    } catch (error) {
      await rm(dest, { force: true });
      throw error instanceof DownloadError ? error : new DownloadError((error as Error).message);
    }
    return;
  }
}

/**
 * One GET with both limits armed from the start (a proxy's CONNECT included); the stall limit
 * stays on the socket while the body is read.
 */
function request(url: URL, limits: DownloadLimits, env: NodeJS.ProcessEnv): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let tunnel: ClientRequest | undefined = undefined;
    let req: ClientRequest | undefined;
    let body: IncomingMessage | undefined;
    const fail = (message: string) => {
      clearTimeout(responseTimer);
      const error = new DownloadError(message);
      tunnel?.destroy(error);
      req?.destroy(error);
      // Once the body flows, the response is what the caller reads: it must fail too.
      body?.destroy(error);
      reject(error);
    };
    const responseTimer = setTimeout(() => fail(`no response within ${limits.responseMs / 1000} s`), limits.responseMs);
    const send = (socket?: Socket) => {
      const get = url.protocol === "https:" ? httpsGet : httpGet;
      // Through a tunnel, TLS runs over the proxy's socket and still checks the host's certificate.
      const viaTunnel = socket ? { createConnection: () => tlsConnect({ socket, servername: url.hostname }) } : {};
      req = get(url, { headers: { "user-agent": "nix-fleet-actions" }, ...viaTunnel }, (response) => {
        clearTimeout(responseTimer);
        body = response;
        resolve(response);
      });
      req.setTimeout(limits.stallMs, () => fail(`the download stalled: nothing received for ${limits.stallMs / 1000} s`));
      req.on("error", (error) => fail(error.message));
    };

    let proxy: URL | undefined;
    try {
      proxy = proxyFor(url, env);
    } catch (error) {
      fail((error as Error).message);
      return;
    }
    if (!proxy) return send();
    const shown = displayProxy(proxy.href);
    if (proxy.protocol !== "http:") return fail(`the proxy ${shown} is not http://: only http proxies are supported`);
    const auth = proxy.username ? { "proxy-authorization": `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}` } : {};
    const target = `${url.hostname}:${url.port || 443}`;
    tunnel = httpRequest({ host: proxy.hostname, port: proxy.port || 80, method: "CONNECT", path: target, headers: { host: target, ...auth } });
    tunnel.on("connect", (response: IncomingMessage, socket: Socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        return fail(`the proxy ${shown} refused a tunnel to ${target}: HTTP ${response.statusCode}`);
      }
      send(socket);
    });
    tunnel.on("error", (error) => fail(`the proxy ${shown}: ${error.message}`));
    tunnel.end();
  });
}
