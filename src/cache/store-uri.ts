/** Schemes of the stores this toolkit copies closures to (`nix copy --to`). */
export const PUSH_SCHEMES = ["ssh-ng", "ssh", "file", "s3", "http", "https"] as const;
/** Schemes of the binary caches Nix substitutes from. */
export const CACHE_SCHEMES = ["http", "https", "file", "s3"] as const;

export function urlScheme(value: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
}

/**
 * What is wrong with a cache or store URL given as an input, or undefined; the caller names the
 * input and the expected form. Cache URLs are written into one nix.conf line (`extra-substituters
 * = a b`), where whitespace starts another URL that no check saw, and `#` a comment that drops the
 * caches after it. A store URL reaches ssh as its destination, where a leading `-` reads as an
 * option (`-oProxyCommand=...`); Nix 2.8 refuses such a host itself, but only when it pushes, after
 * every host was built.
 */
export function storeUriProblem(url: string, schemes: readonly string[], use: "cache" | "push"): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\s\x00-\x1f\x7f]/.test(url)) {
    return use === "cache"
      ? `'${url}' has whitespace in it, which Nix would read as more than one substituter, none of them checked`
      : `'${url}' has whitespace in it`;
  }
  if (use === "cache" && url.includes("#")) return `'${url}' has a '#' in it, which starts a comment in nix.conf`;
  const scheme = urlScheme(url);
  if (!scheme || !schemes.includes(scheme)) return `'${url}' is not a URL with one of the schemes ${schemes.map((s) => `${s}://`).join(", ")}`;
  const authority = /^[^:]+:\/\/([^/?#]*)/.exec(url)?.[1] ?? "";
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  if (authority.startsWith("-") || host.startsWith("-")) return `'${url}' names a host starting with '-', which ssh would take for an option`;
  if ((scheme === "ssh" || scheme === "ssh-ng") && !host) return `'${url}' names no host`;
  return undefined;
}
