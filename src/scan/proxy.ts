/** Loopback hosts, where plain http cannot be intercepted on the way, and no proxy is needed. */
export function isLoopbackUrl(url: URL): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(url.hostname);
}

/**
 * The proxy an https download goes through, from the environment as curl and @actions/http-client
 * read it: `https_proxy` (or `HTTPS_PROXY`), unless `no_proxy` (or `NO_PROXY`) names the host (`*`,
 * a host, `.domain` or `domain` for its subdomains too, `host:port`). Loopback never goes through
 * a proxy. Plain http is only ever loopback here (options refuse it elsewhere), so only https is
 * proxied.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  if (url.protocol !== "https:" || isLoopbackUrl(url)) return undefined;
  const value = env.https_proxy || env.HTTPS_PROXY;
  if (!value) return undefined;
  if (bypassed(url, env.no_proxy ?? env.NO_PROXY ?? "")) return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new Error(`https_proxy '${displayProxy(value)}' is not a URL. Expected http://host:port.`);
  }
}

function bypassed(url: URL, noProxy: string): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || "443";
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    const [name, entryPort] = entry.split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) continue;
    const bare = (name ?? "").replace(/^\*?\./, "");
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** A proxy URL fit for a message: its credentials left out. */
export function displayProxy(value: string): string {
  return value.replace(/\/\/[^@/]*@/, "//");
}
