import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { get as httpGet, type ClientRequest, type IncomingMessage } from "node:http";
import { get as httpsGet } from "node:https";
import { pipeline } from "node:stream/promises";

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

/** Loopback hosts, where plain http cannot be intercepted on the way. */
export function isLoopbackUrl(url: URL): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(url.hostname);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads `url` into `dest` (a new file, created exclusively, 0600): redirects followed, a
 * relative `Location` taken against the URL that sent it, never from https down to plain http off
 * loopback; TLS always verified (Node's defaults). On any failure `dest` is removed.
 */
export async function downloadFile(url: string, dest: string, limits: DownloadLimits = DOWNLOAD_LIMITS): Promise<void> {
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await request(current, limits);
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

/** One GET with both limits armed; the stall limit stays on the socket while the body is read. */
function request(url: URL, limits: DownloadLimits): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.protocol === "https:" ? httpsGet : httpGet;
    let body: IncomingMessage | undefined;
    const req: ClientRequest = get(url, { headers: { "user-agent": "nix-fleet-actions" } }, (response) => {
      clearTimeout(responseTimer);
      body = response;
      resolve(response);
    });
    const fail = (message: string) => {
      const error = new DownloadError(message);
      req.destroy(error);
      // Once the body flows, the response is what the caller reads: it must fail too.
      body?.destroy(error);
    };
    const responseTimer = setTimeout(() => fail(`no response within ${limits.responseMs / 1000} s`), limits.responseMs);
    req.setTimeout(limits.stallMs, () => fail(`the download stalled: nothing received for ${limits.stallMs / 1000} s`));
    req.on("error", (error) => {
      clearTimeout(responseTimer);
      reject(error instanceof DownloadError ? error : new DownloadError(error.message));
    });
  });
}
