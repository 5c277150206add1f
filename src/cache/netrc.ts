/** One `machine` (or `default`) entry of a netrc file. */
export interface NetrcEntry {
  /** undefined for the `default` entry. */
  machine?: string;
  login: string;
  password: string;
}

/** Splits netrc text into words; `"..."` groups a word (Cachix writes `login ""`), `\` escapes inside quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#" && (i === 0 || text[i - 1] === "\n")) {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === '"') {
      let word = "";
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        word += text[i];
        i++;
      }
      i++;
      out.push(word);
    } else {
      let word = "";
      while (i < text.length && !/\s/.test(text[i] as string)) word += text[i++];
      out.push(word);
    }
  }
  return out;
}

/**
 * Parses netrc text as curl (and so Nix) reads it: `machine`, `default`, `login`, `password`,
 * `account`; a `macdef` body runs to the next blank line and is skipped.
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  // macdef bodies end at a blank line: cut them out before splitting into words.
  const cleaned = text.replace(/(^|\s)macdef\s+\S+[^\n]*\n[\s\S]*?(\n\s*\n|$)/g, "$1\n");
  const list = words(cleaned);
  let current: NetrcEntry | undefined;
  for (let i = 0; i < list.length; i++) {
    const word = list[i];
    if (word === "machine" || word === "default") {
      current = { machine: word === "machine" ? list[++i] : undefined, login: "", password: "" };
      entries.push(current);
    } else if (current && word === "login") {
      current.login = list[++i] ?? "";
    } else if (current && word === "password") {
      current.password = list[++i] ?? "";
    } else if (word === "account") {
      i++;
    }
  }
  return entries;
}

/** The entry for a host: its own `machine` first, else `default`. */
export function netrcFor(entries: readonly NetrcEntry[], host: string): NetrcEntry | undefined {
  return entries.find((e) => e.machine === host) ?? entries.find((e) => e.machine === undefined);
}

export function formatNetrc(entries: readonly NetrcEntry[]): string {
  const quote = (s: string) => (s === "" || /[\s"\\]/.test(s) ? `"${s.replace(/["\\]/g, "\\$&")}"` : s);
  return entries
    .map((e) => `${e.machine === undefined ? "default" : `machine ${quote(e.machine)}`} login ${quote(e.login)} password ${quote(e.password)}`)
    .join("\n") + "\n";
}

/**
 * The netrc file Nix reads: the last `netrc-file` setting, NIX_CONFIG's over nix.conf's (it is
 * read after), else Nix's default `<conf dir>/netrc`.
 */
export function configuredNetrcFile(nixConfig: string | undefined, nixConf: string | undefined, confDir: string): string {
  for (const text of [nixConfig, nixConf]) {
    const settings = [...(text ?? "").matchAll(/^\s*netrc-file\s*=\s*(\S+)\s*$/gm)];
    const last = settings[settings.length - 1];
    if (last?.[1]) return last[1];
  }
  return `${confDir.replace(/\/+$/, "")}/netrc`;
}
