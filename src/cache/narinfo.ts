/** Nix's base32 alphabet: what a store path's hash part is written in. */
const HASH_PART = /^[0123456789abcdfghijklmnpqrsvwxyz]{32}$/;

/**
 * The name a binary cache files a store path's narinfo under: the 32-character hash part of the
 * path's basename (`/nix/store/<hash>-<name>` → `<hash>`), whatever the store directory.
 */
export function narinfoHash(storePath: string): string {
  const base = storePath.slice(storePath.lastIndexOf("/") + 1);
  const hash = base.slice(0, 32);
  if (!HASH_PART.test(hash) || base[32] !== "-" || base.length < 34) {
    throw new Error(`'${storePath}' is not a store path. Expected /nix/store/<32-character hash>-<name>.`);
  }
  return hash;
}

/** A cache as the checker addresses it: substituter options (`?priority=...`) and trailing slashes dropped. */
export function cacheBase(url: string): string {
  return url.replace(/[?#].*$/, "").replace(/\/+$/, "");
}

export function narinfoUrl(cache: string, storePath: string): string {
  return `${cacheBase(cache)}/${narinfoHash(storePath)}.narinfo`;
}
