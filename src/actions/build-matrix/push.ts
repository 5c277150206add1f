import type { Cachix } from "../../cache/cachix.js";
import { cachixUrl } from "../../cache/cachix.js";
import type { CachePresence } from "../../cache/presence.js";
import { displayUrl } from "../../git/remote-url.js";
import { nixErrorMessage, type Nix } from "../../nix/nix.js";
import type { PushTarget } from "./options.js";

/** The URL to confirm a push at: where the pushed-to cache can be read, if it can be read over HTTP or from disk. */
export function confirmUrl(target: PushTarget): string | undefined {
  if (target.kind === "cachix") return cachixUrl(target.name);
  return /^(https?|file):\/\//.test(target.uri) ? target.uri : undefined;
}

/** Binary-cache stores sign what they write when given `secret-key`: nothing in the local store is signed. */
const SIGNS_ON_WRITE = /^(file|https?|s3):\/\//i;

/**
 * The store URI `nix copy` pushes to. A binary cache (file, http(s), s3) signs each path as it is
 * written, with the key FILE named in the URI (the key itself never reaches argv). Signing the
 * local store instead (`nix store sign`) needs a trusted user on a daemon install.
 */
export function pushStoreUri(uri: string, keyFile: string | undefined): string {
  if (!keyFile || !SIGNS_ON_WRITE.test(uri)) return uri;
  const [base, fragment] = uri.split("#", 2);
  return `${base}${base?.includes("?") ? "&" : "?"}secret-key=${keyFile}${fragment === undefined ? "" : `#${fragment}`}`;
}

/** How often, and how long apart, a push is looked for before it counts as lost: a cache may list it a moment late. */
const CONFIRM_ATTEMPTS = 3;
const CONFIRM_DELAY_MS = 300;

export interface PushContext {
  nix: Nix;
  checker: CachePresence;
  cachix: Cachix;
  cachixAuthToken?: string;
  signingKey?: string;
  keyFile?: string;
  warn: (message: string) => void;
}

/** Pushes one closure to the target, then confirms the cache lists it where it can be read. */
export async function push(target: PushTarget, out: string, ctx: PushContext, onStderrLine: (line: string) => void): Promise<void> {
  const { nix, checker } = ctx;
  if (target.kind === "cachix") {
    await ctx.cachix.push(target.name, [out], { authToken: ctx.cachixAuthToken as string, signingKey: ctx.signingKey }, onStderrLine);
  } else {
    const remote = /^ssh(-ng)?:\/\//.test(target.uri);
    // A remote store takes only signed paths from an untrusted ssh user: they must be signed here,
    // in the local store. Binary caches sign as they write (pushStoreUri).
    if (ctx.keyFile && remote) {
      try {
        await nix.signClosure(ctx.keyFile, [out]);
      } catch (error) {
        throw new Error(
          `signing ${out} in the local store failed: ${nixErrorMessage(error)}. The runner's Nix user must be in trusted-users to sign, or push as a trusted ssh user without signing-key.`,
        );
      }
    }
    await nix.copyTo(pushStoreUri(target.uri, ctx.keyFile), [out], { onStderrLine, noCheckSigs: remote && !ctx.keyFile });
  }
  const url = confirmUrl(target);
  if (!url) return;
  for (let attempt = 1; ; attempt++) {
    const presence = await checker.presence(url, out);
    if (presence.state === "present") return;
    if (presence.state === "error") {
      ctx.warn(`could not confirm the push of ${out} to ${displayUrl(url)}: ${presence.message}`);
      return;
    }
    if (attempt === CONFIRM_ATTEMPTS) throw new Error(`${displayUrl(url)} does not list ${out} after the push`);
    await new Promise((r) => setTimeout(r, CONFIRM_DELAY_MS));
  }
}
