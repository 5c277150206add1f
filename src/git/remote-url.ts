import type { Inputs } from "../runner/inputs.js";

/** A URL with a scheme (`https://`, `ssh://`, `file://`, ...). */
const SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** scp-like `user@host:path`, as git takes it for ssh. */
const SCP_LIKE = /^[^\s/@:]+@[^\s/:]+:/;

/** Whether a value names a remote repository rather than a ref of this clone. */
export function looksLikeGitUrl(value: string): boolean {
  return SCHEME_URL.test(value) || SCP_LIKE.test(value);
}

function userinfoOf(url: string): { userinfo: string; user: string; password: string } | undefined {
  // Up to the last '@' before the path: a raw token may hold characters a URL should escape.
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url);
  if (!m?.[1]) return undefined;
  const at = m[1].indexOf(":");
  return at < 0 ? { userinfo: m[1], user: m[1], password: "" } : { userinfo: m[1], user: m[1].slice(0, at), password: m[1].slice(at + 1) };
}

/** http(s), also as Nix's fetchers spell it (`git+https:`, `tarball+https:`): a user name alone there is a token. */
const HTTP_URL = /^(?:[a-z]+\+)?https?:/i;

/**
 * Query parameters that carry a credential (`?access_token=`, GitLab's `?private_token=`): a URL
 * with one is as secret as one with a password.
 */
const SECRET_PARAM = /^(?:access[_-]?token|private[_-]?token|auth[_-]?token|token|password|passwd|secret|api[_-]?key)$/i;

function queryCredentials(url: string): string[] {
  const query = /^[^?#]*\?([^#]*)/.exec(url)?.[1];
  if (!query) return [];
  return query
    .split("&")
    .map((pair) => pair.split("=", 2) as [string, string | undefined])
    .filter(([key, value]) => SECRET_PARAM.test(decoded(key)) && value)
    .map(([, value]) => value as string);
}

/**
 * Whether a URL carries a credential in its query: remoteAccess can move userinfo into a header,
 * but a query is part of the URL git is given (argv, its messages), so such a URL is refused.
 */
export function hasQueryCredentials(url: string): boolean {
  return queryCredentials(url).length > 0;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** How git reaches a remote without the credentials on its command line. */
export interface RemoteAccess {
  /** The URL without userinfo: safe to pass as an argument and to print. */
  url: string;
  /** Environment for git: the credentials as an HTTP header, and no credential helper to store them. */
  env: Record<string, string>;
}

/**
 * The credentials inside a URL's userinfo, in every form git or the log may show them (as written,
 * decoded, and the Basic header git sends): what to mask before anything can print them.
 */
export function urlCredentials(url: string): string[] {
  const info = userinfoOf(url);
  const http = HTTP_URL.test(url);
  const forms = queryCredentials(url).flatMap((v) => [v, decoded(v)]);
  // A token alone as the user name is how forges take https tokens; an ssh user is just a name.
  if (info && (http || info.password)) {
    const secret = info.password || info.user;
    forms.push(info.userinfo, secret, decoded(secret));
    if (http) forms.push(basicAuth(info.user, info.password));
  }
  return [...new Set(forms)].filter((s) => s.length >= 4);
}

/**
 * Whether a URL carries credentials (the same rules as urlCredentials), however short they are:
 * masking needs a few characters to be safe, refusing needs none.
 */
export function urlHasCredentials(url: string): boolean {
  if (queryCredentials(url).length) return true;
  // Userinfo left empty (`https://@host`) is still the place a token goes: refused as one.
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url)?.[1];
  if (userinfo === undefined) return false;
  return HTTP_URL.test(url) || userinfo.includes(":");
}

/**
 * Refuses a URL input that carries credentials, after masking them (before the error or anything
 * else can print them). `instead` says where the credentials go, for this input.
 */
export function refuseUrlCredentials(inputs: Inputs, input: string, url: string, instead: string): void {
  for (const s of urlCredentials(url)) inputs.mask(s);
  if (urlHasCredentials(url)) {
    throw inputs.error(input, `'${displayUrl(url)}' has credentials in it. Expected the URL without them, and ${instead}.`);
  }
}

function basicAuth(user: string, password: string): string {
  return Buffer.from(`${decoded(user)}:${decoded(password)}`).toString("base64");
}

/** The URL as it may be shown: userinfo and credential query values replaced by `***`. */
export function displayUrl(url: string): string {
  const info = userinfoOf(url);
  let shown = info ? url.replace(`${info.userinfo}@`, "***@") : url;
  for (const value of queryCredentials(url)) shown = shown.replace(`=${value}`, "=***");
  return shown;
}

/**
 * An https URL's credentials move into `http.extraHeader`, given through GIT_CONFIG_* variables
 * (never argv, where /proc/<pid>/cmdline and error messages show them), with the credential
 * helper switched off so nothing stores them. Other URLs lose only a password.
 */
export function remoteAccess(url: string, env: NodeJS.ProcessEnv = process.env): RemoteAccess {
  const info = userinfoOf(url);
  if (!info) return { url, env: {} };
  // ssh takes no password from a URL: it would only sit on the command line.
  if (!/^https?:/i.test(url)) return { url: info.password ? url.replace(`${info.userinfo}@`, `${info.user}@`) : url, env: {} };
  return { url: url.replace(`${info.userinfo}@`, ""), env: basicAuthEnv(info.user, info.password, env) };
}

/** What forges take as the user name beside an access token (GitHub documents it; Forgejo and Gitea accept any). */
export const TOKEN_USER = "x-access-token";

/**
 * A token for an https remote, given to git exactly as URL credentials are (remoteAccess): an
 * `Authorization` header through GIT_CONFIG_* variables, for `url` only (`http.<url>.extraHeader`),
 * so that no other remote the same git talks to ever receives it. `secrets`: the forms to mask first.
 */
export function tokenAccess(token: string, url: string, env: NodeJS.ProcessEnv = process.env): { env: Record<string, string>; secrets: string[] } {
  return { env: basicAuthEnv(TOKEN_USER, token, env, url), secrets: tokenForms(token) };
}

/** The forms of a token git or a log may show: the token and the Basic credentials made of it. */
export function tokenForms(token: string): string[] {
  return [token, basicAuth(TOKEN_USER, token)];
}

/** Plain http that cannot be intercepted on the way: loopback only. */
export function isLoopbackHttp(url: string): boolean {
  return /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
}

/**
 * Basic credentials as `http.extraHeader` (for URLs under `scope` only, when given), through
 * GIT_CONFIG_* variables (after any the environment already sets), with the credential helper
 * switched off so nothing stores them.
 */
function basicAuthEnv(user: string, password: string, env: NodeJS.ProcessEnv, scope?: string): Record<string, string> {
  const first = Number(env.GIT_CONFIG_COUNT) || 0;
  const settings: [string, string][] = [
    [scope ? `http.${scope}.extraHeader` : "http.extraHeader", `Authorization: Basic ${basicAuth(user, password)}`],
    ["credential.helper", ""],
  ];
  // Refused credentials fail the command instead of waiting for someone to type a password.
  const extra: Record<string, string> = { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_COUNT: String(first + settings.length) };
  settings.forEach(([key, value], i) => {
    extra[`GIT_CONFIG_KEY_${first + i}`] = key;
    extra[`GIT_CONFIG_VALUE_${first + i}`] = value;
  });
  return extra;
}
