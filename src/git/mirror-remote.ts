import { isAbsolute } from "node:path";
import { isLoopbackHttp } from "./remote-url.js";

/** Where a mirror lives, and so which credentials reach it. */
export type MirrorRemote =
  /** `ssh://[user@]host[:port]/path` or scp-like `user@host:path`. `knownHostsName`: how known_hosts names the host. */
  | { kind: "ssh"; url: string; host: string; knownHostsName: string }
  /** https (plain http on loopback only: a token must not cross a network in clear). */
  | { kind: "https"; url: string; host: string }
  /** A path or file:// URL on this machine: no credentials at all. */
  | { kind: "local"; url: string };

const EXPECTED =
  "Expected an ssh URL (ssh://git@host/owner/repo.git or git@host:owner/repo.git), an https URL (https://host/owner/repo.git), or a local path or file:// URL, without credentials";

/** Parses the `remote` input (already free of credentials); an error text ends in the expected form. */
export function parseMirrorRemote(value: string): MirrorRemote | { error: string } {
  // A leading '-' would be an option to git; whitespace and control characters never belong in one.
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (value.startsWith("-") || /[\s\x00-\x1f\x7f]/.test(value)) return { error: `'${value}' is not a git URL. ${EXPECTED}.` };
  const ssh = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]/]+\]|[^/:]+)(?::(\d+))?\/./i.exec(value);
  if (ssh) {
    const host = (ssh[2] as string).replace(/^\[|\]$/g, "");
    const port = ssh[3];
    // The path keeps its leading '/' on the way to the remote git: only user and host can be options.
    if (optionLike(ssh[1], host)) return { error: `'${value}' has a user, host or path starting with '-', which ssh would take as an option. ${EXPECTED}.` };
    return { kind: "ssh", url: value, host, knownHostsName: port && port !== "22" ? `[${host}]:${port}` : host };
  }
  const scp = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(?!\/\/)(.+)/.exec(value);
  if (scp) {
    const host = (scp[2] as string).replace(/^\[|\]$/g, "");
    if (optionLike(scp[1], host, scp[3])) return { error: `'${value}' has a user, host or path starting with '-', which ssh would take as an option. ${EXPECTED}.` };
    return { kind: "ssh", url: value, host, knownHostsName: host };
  }
  const https = /^https:\/\/([^/:]+)(?::\d+)?\/./i.exec(value);
  if (https) return { kind: "https", url: value, host: (https[1] as string).toLowerCase() };
  if (/^http:\/\//i.test(value)) {
    if (isLoopbackHttp(value)) return { kind: "https", url: value, host: /^http:\/\/([^/:]+|\[[^\]]+\])/i.exec(value)?.[1] ?? "" };
    return { error: `'${value}' is plain http: the token and the pushed history would cross the network unencrypted. ${EXPECTED}.` };
  }
  if (/^file:\/\/\//i.test(value) || isAbsolute(value)) return { kind: "local", url: value };
  return { error: `'${value}' is not a git URL this action can push to. ${EXPECTED}.` };
}

/** ssh and the remote git take a leading '-' as an option (`-oProxyCommand=...`): refused here, not left to git's own guard. */
function optionLike(...parts: Array<string | undefined>): boolean {
  return parts.some((part) => part?.startsWith("-"));
}
