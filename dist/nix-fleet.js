#!/usr/bin/env node
import { createRequire as __nixFleetCreateRequire } from "node:module";
const require = __nixFleetCreateRequire(import.meta.url);

// src/cli/main.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir as tmpdir4 } from "node:os";
import { join as join7 } from "node:path";
import { parseArgs } from "node:util";

// src/runner/inputs.ts
var InputError = class extends Error {
  constructor(input, message, label = `input '${input}'`) {
    super(`Invalid ${label}: ${message}`);
    this.input = input;
    this.name = "InputError";
  }
  input;
};
var actionInputLabel = (name) => `input '${name}'`;
var cliOptionLabel = (name) => `option --${name}`;
var TRUE = /* @__PURE__ */ new Set(["true", "True", "TRUE"]);
var FALSE = /* @__PURE__ */ new Set(["false", "False", "FALSE"]);
var Inputs = class {
  constructor(source, mask = () => void 0, label = actionInputLabel) {
    this.source = source;
    this.mask = mask;
    this.label = label;
  }
  source;
  mask;
  label;
  /** An InputError for this input, worded for where the value came from. */
  error(name, message) {
    return new InputError(name, message, this.label(name));
  }
  raw(name) {
    const value = this.source(name)?.trim();
    return value ? value : void 0;
  }
  string(name, fallback) {
    return this.raw(name) ?? fallback;
  }
  optionalString(name) {
    return this.raw(name);
  }
  required(name, expected) {
    const value = this.raw(name);
    if (value === void 0) throw this.error(name, `it is required. Expected ${expected}.`);
    return value;
  }
  /** A secret is masked in the log before anything else can print it. Not trimmed: keys need their newlines. */
  secret(name) {
    const value = this.source(name);
    if (!value || !value.trim()) return void 0;
    this.mask(value);
    for (const line of value.split("\n")) if (line.trim().length >= 4) this.mask(line.trim());
    return value;
  }
  bool(name, fallback) {
    const value = this.raw(name);
    if (value === void 0) return fallback;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    throw this.error(name, `'${value}' is not a boolean. Expected true or false.`);
  }
  int(name, fallback, range = {}) {
    const value = this.raw(name);
    if (value === void 0) return fallback;
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    const form = range.max === void 0 ? range.min === void 0 ? "a whole number" : `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value)) throw this.error(name, `'${value}' is not a whole number. Expected ${form}.`);
    const n = Number(value);
    if (n < min || n > max) throw this.error(name, `${value} is out of range. Expected ${form}.`);
    return n;
  }
  /** Newline- or comma-separated, blanks dropped. */
  list(name) {
    const value = this.raw(name);
    return value === void 0 ? [] : splitList(value);
  }
  /** Extra command-line arguments, split like a shell would split words (but never run by one). */
  args(name) {
    try {
      return splitArgs(this.raw(name));
    } catch (e) {
      throw this.error(name, e.message);
    }
  }
  oneOf(name, choices, fallback) {
    const value = this.raw(name);
    if (value === void 0) return fallback;
    if (choices.includes(value)) return value;
    throw this.error(name, `'${value}' is not allowed. Expected one of: ${choices.join(", ")}.`);
  }
};
function splitList(value) {
  return value.split(/[\n,]/).map((item) => item.trim()).filter((item) => item.length > 0);
}
function splitArgs(value) {
  if (!value) return [];
  const args = [];
  let current = "";
  let inWord = false;
  let quote = null;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) args.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unbalanced ${quote} quote. Expected arguments separated by spaces, quoted with ' or ".`);
  if (inWord) args.push(current);
  return args;
}

// src/runner/neutralize.ts
import { randomBytes } from "node:crypto";
function neutralized(text) {
  if (!/^\s*::|##\[/m.test(text)) return text;
  const token = randomBytes(16).toString("hex");
  return `::stop-commands::${token}
${text}
::${token}::`;
}

// src/runner/report.ts
function headline(text, max = 140) {
  const line = text.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return line.length > max ? `${line.slice(0, max - 1)}\u2026` : line;
}
var Report = class {
  constructor(title) {
    this.title = title;
  }
  title;
  blocks = [];
  heading(text) {
    this.blocks.push({ kind: "heading", text });
    return this;
  }
  paragraph(text) {
    this.blocks.push({ kind: "paragraph", text });
    return this;
  }
  table(columns, rows) {
    this.blocks.push({ kind: "table", columns, rows });
    return this;
  }
  list(items) {
    if (items.length) this.blocks.push({ kind: "list", items });
    return this;
  }
  code(title, text) {
    this.blocks.push({ kind: "code", title, text });
    return this;
  }
};
function renderText(report) {
  const out = [report.title, "=".repeat(report.title.length)];
  for (const block of report.blocks) {
    switch (block.kind) {
      case "heading":
        out.push("", block.text, "-".repeat(block.text.length));
        break;
      case "paragraph":
        out.push("", block.text);
        break;
      case "table": {
        const flat = block.rows.map((row) => row.map((cell) => cell.replace(/\s*\n\s*/g, " ")));
        const widths = block.columns.map((c, i) => Math.min(60, Math.max(c.length, ...flat.map((r) => (r[i] ?? "").length))));
        const line = (cells) => cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
        out.push("", line(block.columns), line(widths.map((w) => "-".repeat(w))));
        for (const row of flat) out.push(line(row));
        break;
      }
      case "list":
        out.push("", ...block.items.map((item) => `  - ${item}`));
        break;
      case "code":
        out.push("", `${block.title}:`, ...block.text.split("\n").map((l) => `    ${l}`));
        break;
    }
  }
  return out.join("\n") + "\n";
}

// src/runner/runtime.ts
function annotationText(a) {
  const where3 = a.file ? `${a.file}${a.line ? `:${a.line}${a.column ? `:${a.column}` : ""}` : ""}: ` : "";
  const title = a.title ? `${a.title}: ` : "";
  return `${a.level}: ${where3}${title}${a.message}`;
}

// src/runner/terminal-runtime.ts
function insideRunner(env = process.env) {
  return !!(env.GITHUB_ACTIONS || env.FORGEJO_ACTIONS);
}
var TerminalRuntime = class {
  constructor(write = (text) => process.stderr.write(text), verbose = false) {
    this.write = write;
    this.verbose = verbose;
  }
  write;
  verbose;
  platform = "cli";
  outputs = /* @__PURE__ */ new Map();
  state = /* @__PURE__ */ new Map();
  secrets = [];
  /** Inside a group, info lines are detail: shown with --verbose only, as a folded group would be. */
  depth = 0;
  masked(text) {
    let shown2 = text;
    for (const s of this.secrets) shown2 = shown2.split(s).join("***");
    return shown2.endsWith("\n") ? shown2 : `${shown2}
`;
  }
  /**
   * nix-fleet run in a workflow's `run:` step writes to a runner's log, and what it prints quotes
   * flakes and tools: there, no line of it may start a workflow command.
   */
  print(text) {
    const shown2 = this.masked(text);
    this.write(insideRunner() ? `${neutralized(shown2.slice(0, -1))}
` : shown2);
  }
  /** What a command hands to a script (JSON, a matrix) on stdout, masked like everything else. */
  result(text) {
    process.stdout.write(this.masked(text));
  }
  info(message) {
    if (this.depth === 0 || this.verbose) this.print(message);
  }
  untrusted(text) {
    this.info(text);
  }
  warning(message) {
    this.print(`warning: ${message}`);
  }
  debug(message) {
    if (this.verbose) this.print(`debug: ${message}`);
  }
  async group(name, fn) {
    if (this.verbose) this.print(`\u25B8 ${name}`);
    this.depth++;
    try {
      return await fn();
    } finally {
      this.depth--;
    }
  }
  annotate(a) {
    this.print(annotationText(a));
  }
  setSecret(value) {
    if (value) this.secrets.push(value);
  }
  setOutput(name, value) {
    this.outputs.set(name, value);
  }
  saveState(name, value) {
    this.state.set(name, value);
  }
  getState(name) {
    return this.state.get(name) ?? "";
  }
  report(report) {
    this.print(renderText(report));
  }
};

// src/actions/build-matrix/run.ts
import { mkdir as mkdir2, mkdtemp as mkdtemp2, rm, writeFile as writeFile2 } from "node:fs/promises";
import { join as join4 } from "node:path";

// src/process/run.ts
import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
var TAIL_LINES = 30;
function tail(text, lines2 = TAIL_LINES) {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines2).join("\n");
}
var CommandError = class extends Error {
  constructor(command, exitCode, stderr, reason) {
    const shown2 = command.map(quoteForDisplay).join(" ");
    const why = reason ?? `exited with code ${exitCode}`;
    const detail = tail(stderr);
    super(`${shown2} ${why}${detail ? `:
${detail}` : ""}`);
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.name = "CommandError";
  }
  command;
  exitCode;
  stderr;
  get stderrTail() {
    return tail(this.stderr);
  }
};
var CommandNotFoundError = class extends CommandError {
  constructor(command) {
    super(command, null, "", "could not be started: not found on PATH");
    this.name = "CommandNotFoundError";
  }
};
function quoteForDisplay(arg) {
  return /^[\w@%+=:,./#-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
function run(command, options = {}) {
  const [file, ...args] = command;
  if (!file) throw new Error("run: empty command");
  return new Promise((resolve10, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === void 0 ? "ignore" : "pipe", "pipe", "pipe"],
      signal: options.signal
    });
    const out = [];
    const err = [];
    let pending = "";
    let timedOut = false;
    const timer = options.timeoutMs ? setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, options.timeoutMs) : void 0;
    child.stdout?.on("data", (chunk) => out.push(chunk));
    const decoder = new StringDecoder("utf8");
    child.stderr?.on("data", (chunk) => {
      err.push(chunk);
      if (options.onStderrLine) {
        pending += decoder.write(chunk);
        const lines2 = pending.split("\n");
        pending = lines2.pop() ?? "";
        for (const line of lines2) options.onStderrLine(line);
      }
    });
    if (options.input !== void 0 && child.stdin) {
      child.stdin.on("error", () => void 0);
      child.stdin.end(options.input);
    }
    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      if (error.code === "ENOENT") reject(new CommandNotFoundError(command));
      else reject(new CommandError(command, null, Buffer.concat(err).toString("utf8"), `could not be run: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pending && options.onStderrLine) options.onStderrLine(pending);
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        reject(new CommandError(command, null, stderr, `timed out after ${options.timeoutMs} ms`));
        return;
      }
      if (code === null) {
        reject(new CommandError(command, null, stderr, `was stopped by ${signal}`));
        return;
      }
      resolve10({ command, exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}
async function runChecked(command, options = {}) {
  const result = await run(command, options);
  if (!(options.okCodes ?? [0]).includes(result.exitCode)) {
    throw new CommandError(command, result.exitCode, result.stderr);
  }
  return result;
}

// src/cache/cachix.ts
var CACHIX_NAME = /^[a-z0-9][a-z0-9-]*$/;
function cachixUrl(name) {
  return `https://${name}.cachix.org`;
}
var Cachix = class {
  constructor(binary = "cachix") {
    this.binary = binary;
  }
  binary;
  async exec(args, credentials, onStderrLine) {
    const env = { ...process.env, CACHIX_AUTH_TOKEN: credentials.authToken };
    if (credentials.signingKey) env.CACHIX_SIGNING_KEY = credentials.signingKey;
    try {
      return await run([this.binary, ...args], { env, onStderrLine });
    } catch (error) {
      if (error instanceof CommandNotFoundError) {
        throw new Error("cachix was not found on PATH: install it on the runner (for example with cachix/install) to push to cachix:<name>.");
      }
      throw error;
    }
  }
  /** `cachix push` sends each path's whole closure, whatever the cache already has or lacks. */
  async push(name, paths, credentials, onStderrLine) {
    const result = await this.exec(["push", name, ...paths], credentials, onStderrLine);
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
  }
};

// src/cache/netrc.ts
function words(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
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
      while (i < text.length && !/\s/.test(text[i])) word += text[i++];
      out.push(word);
    }
  }
  return out;
}
function parseNetrc(text) {
  const entries = [];
  const cleaned = text.replace(/(^|\s)macdef\s+\S+[^\n]*\n[\s\S]*?(\n\s*\n|$)/g, "$1\n");
  const list = words(cleaned);
  let current;
  for (let i = 0; i < list.length; i++) {
    const word = list[i];
    if (word === "machine" || word === "default") {
      current = { machine: word === "machine" ? list[++i] : void 0, login: "", password: "" };
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
function netrcFor(entries, host2) {
  return entries.find((e) => e.machine === host2) ?? entries.find((e) => e.machine === void 0);
}
function formatNetrc(entries) {
  const quote = (s) => s === "" || /[\s"\\]/.test(s) ? `"${s.replace(/["\\]/g, "\\$&")}"` : s;
  return entries.map((e) => `${e.machine === void 0 ? "default" : `machine ${quote(e.machine)}`} login ${quote(e.login)} password ${quote(e.password)}`).join("\n") + "\n";
}
function configuredNetrcFile(nixConfig, nixConf, confDir) {
  for (const text of [nixConfig, nixConf]) {
    const settings = [...(text ?? "").matchAll(/^\s*netrc-file\s*=\s*(\S+)\s*$/gm)];
    const last = settings[settings.length - 1];
    if (last?.[1]) return last[1];
  }
  return `${confDir.replace(/\/+$/, "")}/netrc`;
}

// src/cache/presence.ts
import { access, readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { fileURLToPath } from "node:url";

// src/process/concurrency.ts
async function mapConcurrent(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
function concurrencyLimit(limit) {
  let running = 0;
  const waiting = [];
  return async (fn) => {
    if (running >= limit) await new Promise((resolve10) => waiting.push(resolve10));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

// src/git/remote-url.ts
var SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
var SCP_LIKE = /^[^\s/@:]+@[^\s/:]+:/;
function looksLikeGitUrl(value) {
  return SCHEME_URL.test(value) || SCP_LIKE.test(value);
}
function userinfoOf(url) {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(url);
  if (!m?.[1]) return void 0;
  const at = m[1].indexOf(":");
  return at < 0 ? { userinfo: m[1], user: m[1], password: "" } : { userinfo: m[1], user: m[1].slice(0, at), password: m[1].slice(at + 1) };
}
function decoded(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
function urlCredentials(url) {
  const info = userinfoOf(url);
  const http2 = /^https?:/i.test(url);
  if (!info || !http2 && !info.password) return [];
  const secret = info.password || info.user;
  const forms = [info.userinfo, secret, decoded(secret)];
  if (http2) forms.push(basicAuth(info.user, info.password));
  return [...new Set(forms)].filter((s) => s.length >= 4);
}
function basicAuth(user, password) {
  return Buffer.from(`${decoded(user)}:${decoded(password)}`).toString("base64");
}
function displayUrl(url) {
  const info = userinfoOf(url);
  return info ? url.replace(`${info.userinfo}@`, "***@") : url;
}
function remoteAccess(url, env = process.env) {
  const info = userinfoOf(url);
  if (!info) return { url, env: {} };
  if (!/^https?:/i.test(url)) return { url: info.password ? url.replace(`${info.userinfo}@`, `${info.user}@`) : url, env: {} };
  const first = Number(env.GIT_CONFIG_COUNT) || 0;
  const settings = [
    ["http.extraHeader", `Authorization: Basic ${basicAuth(info.user, info.password)}`],
    ["credential.helper", ""]
  ];
  const extra = { GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_COUNT: String(first + settings.length) };
  settings.forEach(([key, value], i) => {
    extra[`GIT_CONFIG_KEY_${first + i}`] = key;
    extra[`GIT_CONFIG_VALUE_${first + i}`] = value;
  });
  return { url: url.replace(`${info.userinfo}@`, ""), env: extra };
}

// src/cache/narinfo.ts
var HASH_PART = /^[0123456789abcdfghijklmnpqrsvwxyz]{32}$/;
function narinfoHash(storePath) {
  const base = storePath.slice(storePath.lastIndexOf("/") + 1);
  const hash = base.slice(0, 32);
  if (!HASH_PART.test(hash) || base[32] !== "-" || base.length < 34) {
    throw new Error(`'${storePath}' is not a store path. Expected /nix/store/<32-character hash>-<name>.`);
  }
  return hash;
}
function cacheBase(url) {
  return url.replace(/[?#].*$/, "").replace(/\/+$/, "");
}
function narinfoUrl(cache, storePath) {
  return `${cacheBase(cache)}/${narinfoHash(storePath)}.narinfo`;
}

// src/cache/presence.ts
var RetryableError = class extends Error {
  constructor(message, retryAfterMs) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
  retryAfterMs;
};
var MAX_REDIRECTS = 3;
var MAX_RETRY_AFTER_MS = 1e4;
var CachePresence = class {
  concurrency;
  timeoutMs;
  retries;
  backoffMs;
  netrc;
  agents;
  infos = /* @__PURE__ */ new Map();
  constructor(options = {}) {
    this.concurrency = options.concurrency ?? 16;
    this.timeoutMs = options.timeoutMs ?? 1e4;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 250;
    this.netrc = options.netrc ?? [];
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: this.concurrency }),
      https: new https.Agent({ keepAlive: true, maxSockets: this.concurrency })
    };
  }
  /** Closes the kept-alive sockets so they cannot hold the process open. */
  close() {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
  /** Every path against every cache, in parallel up to the concurrency limit. Never throws for a cache's failure. */
  async check(caches, paths) {
    const unique = [...new Set(caches)];
    const pairs = paths.flatMap((path) => unique.map((cache) => ({ path, cache })));
    const answers = await mapConcurrent(pairs, this.concurrency, ({ path, cache }) => this.presence(cache, path));
    return paths.map((path) => {
      const result = { path, cachedIn: [], errors: [] };
      pairs.forEach((pair, i) => {
        if (pair.path !== path) return;
        const answer = answers[i];
        if (answer.state === "present") result.cachedIn.push(pair.cache);
        else if (answer.state === "error") result.errors.push({ cache: pair.cache, message: answer.message });
      });
      return result;
    });
  }
  /** One path in one cache. */
  async presence(cache, path) {
    let url;
    try {
      url = new URL(narinfoUrl(cache, path));
    } catch (error) {
      return { state: "error", message: error.message };
    }
    if (url.protocol !== "file:" && url.protocol !== "http:" && url.protocol !== "https:") {
      return { state: "error", message: `${url.protocol}// caches cannot be asked over HTTP` };
    }
    const notACache = await this.cacheInfoProblem(cache);
    if (notACache) return { state: "error", message: notACache };
    if (url.protocol === "file:") return this.fileExists(url);
    let last = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const { status, retryAfterMs } = await this.request(url, "HEAD");
        if (status === 200) return { state: "present" };
        if (status === 404 || status === 403 || status === 410) return { state: "absent" };
        if (status === 401) return { state: "error", message: "HTTP 401: the cache wants credentials (cache-netrc)" };
        last = `HTTP ${status}`;
        if (status !== 429 && status < 500) return { state: "error", message: last };
        if (attempt < this.retries) await this.pause(attempt, retryAfterMs);
      } catch (error) {
        if (!(error instanceof RetryableError)) return { state: "error", message: error.message };
        last = error.message;
        if (attempt < this.retries) await this.pause(attempt, error.retryAfterMs);
      }
    }
    return { state: "error", message: `${last} after ${this.retries + 1} attempts` };
  }
  /** Exponential backoff with jitter, so that many checks do not retry in lockstep; a cache's Retry-After wins when given. */
  pause(attempt, retryAfterMs) {
    const backoff = this.backoffMs * 2 ** attempt * (0.5 + Math.random() / 2);
    const ms = retryAfterMs === void 0 ? backoff : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
    return new Promise((r) => setTimeout(r, ms));
  }
  /** Why the URL is not a binary cache (no `StoreDir:` in its nix-cache-info), or undefined when it is one. Asked once per cache. */
  cacheInfoProblem(cache) {
    let info = this.infos.get(cache);
    if (!info) {
      info = this.readCacheInfo(cache);
      this.infos.set(cache, info);
    }
    return info;
  }
  async readCacheInfo(cache) {
    const url = new URL(`${cacheBase(cache)}/nix-cache-info`);
    let text;
    if (url.protocol === "file:") {
      try {
        text = await readFile(fileURLToPath(url), "utf8");
      } catch (error) {
        const code = error.code;
        return code === "ENOENT" ? void 0 : error.message;
      }
    } else {
      let answer;
      let last = "";
      for (let attempt = 0; attempt <= this.retries && !answer; attempt++) {
        try {
          const got = await this.request(url, "GET");
          if (got.status === 429 || got.status >= 500) throw new RetryableError(`HTTP ${got.status}`, got.retryAfterMs);
          answer = got;
        } catch (error) {
          if (!(error instanceof RetryableError)) return error.message;
          last = error.message;
          if (attempt < this.retries) await this.pause(attempt, error.retryAfterMs);
        }
      }
      if (!answer) return `${last} after ${this.retries + 1} attempts`;
      if (answer.status === 401) return "HTTP 401: the cache wants credentials (cache-netrc)";
      if (answer.status !== 200) return `HTTP ${answer.status} for nix-cache-info: not a binary cache`;
      text = answer.body;
    }
    return /^StoreDir:\s*\S/m.test(text) ? void 0 : `${displayUrl(url.href)} has no StoreDir line: not a binary cache`;
  }
  async fileExists(url) {
    try {
      await access(fileURLToPath(url));
      return { state: "present" };
    } catch (error) {
      const code = error.code;
      return code === "ENOENT" ? { state: "absent" } : { state: "error", message: error.message };
    }
  }
  /** One request, following redirects; netrc credentials go to the host the netrc names them for, and nowhere else. */
  async request(url, method) {
    let current = url;
    for (let hop = 0; ; hop++) {
      const answer = await this.once(current, method);
      const location = answer.location;
      if (answer.status < 300 || answer.status >= 400 || answer.status === 304 || !location) return answer;
      if (hop === MAX_REDIRECTS) return { status: answer.status, body: "" };
      const next = new URL(location, current);
      if (next.protocol !== "http:" && next.protocol !== "https:") return { status: answer.status, body: "" };
      if (current.protocol === "https:" && next.protocol === "http:") return { status: answer.status, body: "" };
      current = next;
    }
  }
  once(url, method) {
    const secure = url.protocol === "https:";
    const headers = { "user-agent": "nix-fleet-actions" };
    const entry = netrcFor(this.netrc, url.hostname);
    if (entry) headers.authorization = `Basic ${Buffer.from(`${entry.login}:${entry.password}`).toString("base64")}`;
    return new Promise((resolve10, reject) => {
      const request = (secure ? https : http).request(url, { method, headers, agent: secure ? this.agents.https : this.agents.http });
      const timer = setTimeout(() => request.destroy(new RetryableError(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      request.on("response", (response) => {
        const chunks = [];
        let size = 0;
        response.on("data", (chunk) => {
          if (method === "GET" && size < 64 * 1024) chunks.push(chunk);
          size += chunk.length;
        });
        response.on("end", () => {
          clearTimeout(timer);
          const after = Number(response.headers["retry-after"]);
          resolve10({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            location: response.headers.location,
            retryAfterMs: Number.isFinite(after) && after >= 0 ? after * 1e3 : void 0
          });
        });
        response.on("error", (error) => {
          clearTimeout(timer);
          reject(new RetryableError(error.message));
        });
      });
      request.on("error", (error) => {
        clearTimeout(timer);
        if (error instanceof RetryableError) reject(error);
        else if (["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"].includes(error.code ?? "")) reject(new RetryableError(error.message));
        else reject(error);
      });
      request.end();
    });
  }
};

// src/runner/user-error.ts
var UserError = class extends Error {
  constructor(problem, fix, tool) {
    super(`${problem} Fix: ${fix}`);
    this.problem = problem;
    this.fix = fix;
    this.tool = tool;
    this.name = "UserError";
  }
  problem;
  fix;
  tool;
};
function userErrorFromHints(tool, hints, text) {
  for (const hint of hints) {
    const match = text.match(hint.pattern);
    if (match) {
      const problem = typeof hint.problem === "function" ? hint.problem(match) : hint.problem;
      return new UserError(problem, hint.fix, tool);
    }
  }
  return void 0;
}

// src/nix/errors.ts
var START = /^error(?: \(ignored\))?:(?: error:)?(.*)$/;
var AT = /^at (.+?):(\d+):(\d+):?$/;
var FRAME = /^… (.*)$/;
var SNIPPET = /^\s*(\d+)?\|/;
var INNER = /^error:(?:\s+(.*))?$/;
var ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
var TRUNCATED = /^\(stack trace truncated/;
var REPEATS = [/^some errors were encountered during the evaluation$/, /^build of .* failed$/];
function parseNixErrors(stderr) {
  const blocks = [];
  let current;
  for (const line of stderr.replace(ANSI, "").replace(/\r/g, "").split("\n")) {
    const start = START.exec(line);
    if (start) {
      current = { first: (start[1] ?? "").trim(), ignored: line.startsWith("error (ignored)"), rest: [] };
      blocks.push(current);
    } else if (current && (line === "" || /^\s/.test(line))) {
      current.rest.push(line);
    } else {
      current = void 0;
    }
  }
  return blocks.map((b) => parseBlock(b.first, b.rest, b.ignored)).filter((e) => !REPEATS.some((re) => re.test(e.message)));
}
function dedent(lines2) {
  const indents = lines2.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines2.map((l) => l.slice(cut));
}
function parsePosition(text) {
  const m = AT.exec(text);
  if (!m || !m[1]) return void 0;
  if (m[1].startsWith("\xAB")) return void 0;
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}
function parseBlock(first, rest, ignored) {
  let message = first ? [first] : [];
  let position;
  const trace = [];
  let inFrame = false;
  let framesFirst = false;
  for (const raw of dedent(rest)) {
    const line = raw.trim();
    if (!line || SNIPPET.test(raw) || TRUNCATED.test(line)) continue;
    const frame = FRAME.exec(line);
    const inner = INNER.exec(line);
    if (frame) {
      trace.push({ text: frame[1] ?? "" });
      inFrame = true;
    } else if (inner) {
      message = inner[1] ? [inner[1]] : [];
      position = void 0;
      inFrame = false;
      framesFirst = trace.length > 0;
    } else if (AT.test(line)) {
      const pos = parsePosition(line);
      const current = trace[trace.length - 1];
      if (inFrame && current) current.position ??= pos;
      else position ??= pos;
    } else if (inFrame) {
      const current = trace[trace.length - 1];
      if (current) current.text += ` ${line}`;
    } else {
      message.push(raw.trimEnd());
    }
  }
  if (framesFirst) trace.reverse();
  const error = { message: message.join("\n").trim(), trace, ignored };
  if (position) error.position = position;
  attributeFrames(error);
  return error;
}
function unquote(name) {
  return name.replace(/^"(.*)"$/, "$1");
}
function attributeFrames(error) {
  for (const frame of error.trace) {
    const host2 = /while checking the NixOS configuration '(?:nixosConfigurations\.)?(.+)'/.exec(frame.text);
    if (host2?.[1]) error.host ??= unquote(host2[1]);
    const evaluating = /while evaluating the attribute '(?:outputs\.)?nixosConfigurations\.("[^"]+"|[^.']+)/.exec(frame.text);
    if (evaluating?.[1]) error.host ??= unquote(evaluating[1]);
    const drv = /while checking the derivation '([^']+)'/.exec(frame.text);
    if (drv?.[1]) error.output ??= drv[1];
    const output = /while checking flake output '([^']+)'/.exec(frame.text);
    if (output?.[1]) error.output ??= output[1];
  }
  const built = /(?:builder for|Cannot build|dependenc(?:y|ies) of derivation) '([^']+\.drv)'/.exec(error.message);
  if (built?.[1]) error.derivation = built[1];
}

// src/nix/hints.ts
var NIX_HINTS = [
  {
    // Relative `path:` inputs are locked without a narHash; Nix 2.8 refuses such a lock file
    // outright, even when the input is overridden. Nix's 2.26 release notes introduce relative
    // path inputs and say earlier versions cannot use such lock files (read there, not run here).
    pattern: /lockfile contains mutable lock '([^\n]*?"type":"path"[^\n]*?)'/,
    problem: (m) => `The flake's lock file has a relative path input (${m[1]}), which this Nix cannot read: it refuses any lock file holding a path input without a narHash.`,
    fix: "Run with Nix 2.26 or newer (the release that added relative path inputs, per its release notes), or make the input a git+file: or github: input and run `nix flake lock` again."
  },
  {
    pattern: /lockfile contains mutable lock '([^\n]*)'/,
    problem: (m) => `The flake's lock file has an input locked without a hash (${m[1]}), which this Nix cannot read.`,
    fix: "Lock the input to a fixed revision with `nix flake lock` on a current Nix, or run with a newer Nix."
  }
];

// src/nix/nix-config.ts
function composeNixConfig(callerConfig, extraConfig) {
  const parts = [callerConfig?.trimEnd(), "extra-experimental-features = nix-command flakes", extraConfig?.trimEnd()];
  return parts.filter((p) => !!p).join("\n");
}
function runNixConfig(settings) {
  const lines2 = settings.nixConfig ? [settings.nixConfig] : [];
  if (settings.substituters?.length) lines2.push(`extra-substituters = ${settings.substituters.join(" ")}`);
  if (settings.trustedPublicKeys?.length) lines2.push(`extra-trusted-public-keys = ${settings.trustedPublicKeys.join(" ")}`);
  if (settings.netrcFile) lines2.push(`netrc-file = ${settings.netrcFile}`);
  return lines2.join("\n");
}

// src/nix/version.ts
function parseNixVersion(text) {
  const matches = [...text.matchAll(/(\d+)\.(\d+)(?:\.(\d+))?/g)];
  const last = matches[matches.length - 1];
  if (!last) throw new Error(`cannot read a Nix version from '${text.trim()}'`);
  return { text: text.trim(), major: Number(last[1]), minor: Number(last[2]), patch: Number(last[3] ?? 0) };
}
function atLeast(v, major, minor) {
  return v.major > major || v.major === major && v.minor >= minor;
}
function nixFeatures(v) {
  return {
    /** `nix flake check --all-systems` (2.16+); before 2.16 every system was always checked. */
    flakeCheckAllSystems: atLeast(v, 2, 16),
    /** `nix path-info --json` prints an object keyed by path (2.19+), not an array. */
    pathInfoObject: atLeast(v, 2, 19),
    /** `nix store info` replaced `nix store ping` (2.19+). */
    storeInfo: atLeast(v, 2, 19),
    /**
     * A `.drv` installable means the derivation itself since 2.15: its outputs are `<drv>^*`
     * (the `^` syntax exists since 2.13). Before 2.15 a bare `.drv` builds its outputs.
     */
    drvOutputsCaret: atLeast(v, 2, 15)
  };
}

// src/nix/nix.ts
var NixCommandError = class extends CommandError {
  errors;
  constructor(result) {
    const errors = parseNixErrors(result.stderr);
    super(result.command, result.exitCode, result.stderr);
    this.name = "NixCommandError";
    this.errors = errors;
    const first = errors[0];
    if (first) {
      const [, ...args] = result.command;
      const words2 = args.filter((a, i) => !a.startsWith("-") && !args[i - 1]?.startsWith("--"));
      this.message = `${first.message}
(nix ${words2.join(" ")} exited with code ${result.exitCode})`;
    }
  }
};
function nixErrorMessage(error) {
  if (error instanceof NixCommandError && error.errors[0]) return error.errors[0].message;
  return error instanceof Error ? error.message : String(error);
}
function nixFailure(result) {
  return userErrorFromHints("nix", NIX_HINTS, result.stderr) ?? new NixCommandError(result);
}
function nixErrorsOf(error) {
  if (error instanceof NixCommandError && error.errors.length) return error.errors;
  return [{ message: error instanceof Error ? error.message : String(error), trace: [], ignored: false }];
}
var NixNotFoundError = class extends Error {
  constructor(binary) {
    super(
      `Nix was not found (looked for '${binary}' on PATH). Install Nix on the runner first, for example with a Nix installer step before this one.`
    );
    this.name = "NixNotFoundError";
  }
};
function parsePathInfo(json) {
  const entries = Array.isArray(json) ? json.map((e) => [String(e.path), e]) : Object.entries(json);
  return entries.filter((entry) => entry[1] !== null && entry[1].valid !== false).map(([path, e]) => ({
    path,
    narSize: Number(e.narSize ?? 0),
    closureSize: typeof e.closureSize === "number" ? e.closureSize : void 0,
    references: Array.isArray(e.references) ? e.references : [],
    signatures: Array.isArray(e.signatures) ? e.signatures : []
  }));
}
var Nix = class _Nix {
  constructor(binary, version, env) {
    this.binary = binary;
    this.version = version;
    this.env = env;
    this.features = nixFeatures(version);
  }
  binary;
  version;
  features;
  env;
  static async create(options = {}) {
    const binary = options.binary ?? "nix";
    const base = options.env ?? process.env;
    const env = { ...base, NO_COLOR: "1", NIX_CONFIG: composeNixConfig(base.NIX_CONFIG, options.extraConfig) };
    let result;
    try {
      result = await run([binary, "--version"], { env });
    } catch (error) {
      if (error instanceof CommandNotFoundError) throw new NixNotFoundError(binary);
      throw error;
    }
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
    return new _Nix(binary, parseNixVersion(result.stdout), env);
  }
  /** Runs nix with these arguments; resolves with any exit code. */
  exec(args, options = {}) {
    return run([this.binary, ...args], { ...options, env: this.env });
  }
  async checked(args, options = {}) {
    const result = await this.exec(args, options);
    if (result.exitCode !== 0) throw nixFailure(result);
    return result;
  }
  /**
   * Evaluations run side by side (hosts one by one, plans), and Nix's SQLite eval cache answers
   * "database is busy" to concurrent writers instead of waiting: so it stays off.
   */
  async evalJson(installable, options = {}) {
    const args = ["eval", "--json", "--show-trace", "--no-eval-cache", ...options.extraArgs ?? [], installable];
    if (options.apply) args.push("--apply", options.apply);
    const result = await this.checked(args, { onStderrLine: options.onStderrLine });
    return JSON.parse(result.stdout);
  }
  /** `nix build --json --no-link`: the one form that prints out paths on every version. */
  async build(installables, extraArgs = [], options = {}) {
    const result = await this.checked(["build", "--json", "--no-link", ...extraArgs, ...installables], options);
    return JSON.parse(result.stdout);
  }
  /**
   * Builds the outputs of a derivation that is already in the store (a plan's `drv`), with no
   * evaluation at all.
   */
  async buildDerivation(drv, extraArgs = [], options = {}) {
    const installable = this.features.drvOutputsCaret ? `${drv}^*` : drv;
    const [built] = await this.build([installable], extraArgs, options);
    if (!built) throw new Error(`nix build printed no result for ${drv}`);
    return built;
  }
  async pathInfo(paths, options = {}) {
    const args = ["path-info", "--json"];
    if (options.closureSize) args.push("--closure-size");
    if (options.recursive) args.push("--recursive");
    const result = await this.checked([...args, ...paths]);
    return parsePathInfo(JSON.parse(result.stdout));
  }
  /** Signs the paths and everything they reference, in the local store. */
  async signClosure(keyFile, paths) {
    await this.checked(["store", "sign", "--key-file", keyFile, "--recursive", ...paths]);
  }
  /** Copies the paths' whole closures to a store URI; `nix copy` skips only what the target already has. */
  async copyTo(storeUri, paths, options = {}) {
    const { noCheckSigs, ...rest } = options;
    await this.checked(["copy", ...noCheckSigs ? ["--no-check-sigs"] : [], "--to", storeUri, ...paths], rest);
  }
  /** Opens a store (`nix store ping`/`info`): true when Nix could. For an http(s) cache, Nix records it in its cache database. */
  async tryOpenStore(uri) {
    const result = await this.exec(["store", this.features.storeInfo ? "info" : "ping", "--store", uri]);
    return result.exitCode === 0;
  }
  /** The store path of the flake's source tree, as it appears in error positions. */
  async flakeSourcePath(flake, extraArgs = []) {
    const result = await this.checked(["flake", "metadata", "--json", ...extraArgs, flake]);
    return JSON.parse(result.stdout).path;
  }
  /** Runs `nix flake check`; the caller reads the errors from the result, whatever the exit code. */
  flakeCheck(flake, options) {
    const args = ["flake", "check", "--show-trace"];
    if (options.keepGoing) args.push("--keep-going");
    if (!options.build) args.push("--no-build");
    if (options.allSystems && this.features.flakeCheckAllSystems) args.push("--all-systems");
    args.push(...options.extraArgs, flake);
    return this.exec(args, { onStderrLine: options.onStderrLine });
  }
};

// src/fleet/hosts.ts
var HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
var NIX_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;
function attrName(name) {
  return NIX_IDENTIFIER.test(name) ? name : JSON.stringify(name);
}
var TOPLEVEL_FIELDS = "t: { drv = t.drvPath; out = t.outPath; system = t.system; }";
function hostInstallable(flake, host2, attribute) {
  return `${flake}#nixosConfigurations.${attrName(host2)}.${attribute}`;
}
function checkHostNames(names) {
  const bad = names.filter((n) => !HOST_NAME.test(n));
  if (bad.length) {
    throw new Error(`nixosConfigurations has names that are not host names (letters, digits, '_', '.', '-'): ${bad.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  return names;
}
async function listHosts(nix, flake, extraArgs = []) {
  return checkHostNames(await nix.evalJson(`${flake}#nixosConfigurations`, { apply: "builtins.attrNames", extraArgs }));
}
async function evalHostToplevel(nix, flake, host2, extraArgs = []) {
  return nix.evalJson(hostInstallable(flake, host2, "config.system.build.toplevel"), {
    apply: TOPLEVEL_FIELDS,
    extraArgs
  });
}

// src/fleet/evaluate.ts
var HostsUnlistedError = class extends Error {
  constructor(errors) {
    super(`the hosts could not be listed: ${errors[0]?.message ?? "nix eval failed"}`);
    this.errors = errors;
    this.name = "HostsUnlistedError";
  }
  errors;
};
function toplevelsExpression(selected) {
  for (const name of selected) if (!HOST_NAME.test(name)) throw new Error(`'${name}' is not a host name`);
  const pick2 = selected.length ? `builtins.intersectAttrs (builtins.listToAttrs (map (n: { name = n; value = null; }) [ ${selected.map((n) => JSON.stringify(n)).join(" ")} ])) cs` : "cs";
  const fields = "let t = c.config.system.build.toplevel; v = { drv = t.drvPath; out = t.outPath; system = t.system; }; in builtins.deepSeq v v";
  const context = `builtins.addErrorContext "while checking the NixOS configuration 'nixosConfigurations.\${n}'"`;
  const traced = `builtins.trace ("${TRACE_MARK}" + builtins.toJSON { host = n; value = v; }) v`;
  const each = `n: c: ${context} (let r = builtins.tryEval (${fields}); v = if r.success then r.value else null; in ${traced})`;
  return `cs: let picked = ${pick2}; in builtins.trace ("${NAMES_MARK}" + builtins.toJSON (builtins.attrNames picked)) (builtins.mapAttrs (${each}) picked)`;
}
var TRACE_MARK = "nix-fleet-host ";
var NAMES_MARK = "nix-fleet-hosts ";
function tracedNames(line) {
  if (!line.startsWith(`trace: ${NAMES_MARK}`)) return void 0;
  try {
    const names = JSON.parse(line.slice(`trace: ${NAMES_MARK}`.length));
    return Array.isArray(names) && names.every((n) => typeof n === "string") ? names : void 0;
  } catch {
    return void 0;
  }
}
function tracedHost(line, group) {
  const at = line.indexOf(TRACE_MARK);
  if (!line.startsWith("trace: ") || at < 0) return void 0;
  try {
    const parsed = JSON.parse(line.slice(at + TRACE_MARK.length));
    if (typeof parsed.host !== "string" || !HOST_NAME.test(parsed.host) || group && !group.includes(parsed.host)) return void 0;
    const v = parsed.value;
    if (v === null) return { host: parsed.host, value: null };
    if (typeof v?.drv !== "string" || typeof v.out !== "string" || typeof v.system !== "string") return void 0;
    return { host: parsed.host, value: { drv: v.drv, out: v.out, system: v.system } };
  } catch {
    return void 0;
  }
}
async function evaluateFleet(nix, flake, selected, options = {}) {
  const extraArgs = options.extraArgs ?? [];
  let nixCalls = 0;
  const limit = concurrencyLimit(options.concurrency ?? 2);
  const values = /* @__PURE__ */ new Map();
  let firstNames;
  const evalGroup = (names2) => limit(async () => {
    const first = nixCalls++ === 0;
    const traced = /* @__PURE__ */ new Map();
    try {
      return await nix.evalJson(`${flake}#nixosConfigurations`, {
        apply: toplevelsExpression(names2),
        extraArgs,
        onStderrLine: (line) => {
          const t = tracedHost(line, names2.length ? names2 : void 0);
          if (t) traced.set(t.host, t.value);
          else if (first) firstNames ??= tracedNames(line);
        }
      });
    } catch (error) {
      for (const [host2, value] of traced) values.set(host2, value);
      throw error;
    }
  });
  const failed = [];
  let names;
  try {
    const all = await evalGroup(selected);
    names = checkHostNames(Object.keys(all));
    for (const [host2, value] of Object.entries(all)) values.set(host2, value);
  } catch (error) {
    if (error instanceof UserError) throw error;
    try {
      if (firstNames) names = checkHostNames(firstNames);
      else {
        nixCalls++;
        names = await listHosts(nix, flake, extraArgs);
      }
    } catch (listing) {
      if (listing instanceof UserError) throw listing;
      throw new HostsUnlistedError(nixErrorsOf(listing));
    }
    const wanted = selected.length ? names.filter((n) => selected.includes(n)) : names;
    const tryGroup = async (group) => {
      if (!group.length) return;
      try {
        for (const [host2, value] of Object.entries(await evalGroup(group))) values.set(host2, value);
      } catch (e) {
        if (e instanceof UserError) throw e;
        await isolate(group, e);
      }
    };
    const isolate = async (group, e) => {
      const errors = nixErrorsOf(e);
      const named = errors.map((x) => x.host).find((h) => !!h && group.includes(h));
      if (named || group.length === 1) {
        const host2 = named ?? group[0];
        failed.push({ host: host2, errors });
        const rest = group.filter((h) => h !== host2 && !values.has(h));
        const half2 = Math.ceil(rest.length / 2);
        await Promise.all([tryGroup(rest.slice(0, half2)), tryGroup(rest.slice(half2))]);
        return;
      }
      const pending = group.filter((h) => !values.has(h));
      const half = Math.ceil(pending.length / 2);
      await Promise.all([tryGroup(pending.slice(0, half)), tryGroup(pending.slice(half))]);
    };
    await isolate(wanted, error);
  }
  const hosts = [];
  const threw = [];
  for (const [host2, value] of values) {
    if (value) hosts.push({ host: host2, ...value });
    else threw.push(host2);
  }
  await mapConcurrent(threw, options.concurrency ?? 2, async (host2) => {
    nixCalls++;
    try {
      hosts.push({ host: host2, ...await evalHostToplevel(nix, flake, host2, extraArgs) });
    } catch (e) {
      if (e instanceof UserError) throw e;
      failed.push({ host: host2, errors: nixErrorsOf(e) });
    }
  });
  for (const host2 of selected.filter((h) => !names.includes(h))) failed.push(missingHost(host2));
  return { hosts: sortByHost(hosts), failed: sortByHost(failed), nixCalls };
}
function missingHost(host2) {
  return { host: host2, errors: [{ message: `the flake has no nixosConfigurations.${host2}`, trace: [], ignored: false }] };
}
function selectHosts(evaluation, selected) {
  if (!selected.length) return { ...evaluation, nixCalls: 0 };
  const known = new Set([...evaluation.hosts, ...evaluation.failed].map((h) => h.host));
  return {
    hosts: evaluation.hosts.filter((h) => selected.includes(h.host)),
    failed: sortByHost([...evaluation.failed.filter((f) => selected.includes(f.host)), ...selected.filter((h) => !known.has(h)).map(missingHost)]),
    nixCalls: 0
  };
}
function sortByHost(list) {
  return list.sort((a, b) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
}

// src/nix/flake-ref.ts
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
var SCHEME = /^[a-z][a-z0-9+.-]*:/i;
function localFlakeDir(flake, cwd) {
  const url = /^(?:path:|git\+file:(?:\/\/)?)([^?]*)(?:\?(.*))?$/.exec(flake);
  if (url) {
    const dir = new URLSearchParams(url[2] ?? "").get("dir");
    return resolve(cwd, url[1] || ".", dir ?? "");
  }
  return SCHEME.test(flake) ? void 0 : resolve(cwd, flake || ".");
}
function readFlakeRef(inputs, input, cwd) {
  const flake = inputs.string(input, ".");
  if (flake.includes("#")) {
    throw inputs.error(input, `'${flake}' has a '#' fragment. Expected a flake reference without an output, such as '.' or './infra'.`);
  }
  const dir = localFlakeDir(flake, cwd);
  if (dir === void 0) return { flake, ref: flake };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw inputs.error(input, `'${flake}' is not a directory (${dir}). Expected the path of a directory holding flake.nix.`);
  }
  if (!existsSync(resolve(dir, "flake.nix"))) {
    throw inputs.error(input, `'${flake}' is not a flake: ${dir} has no flake.nix. Expected the path of a directory holding flake.nix.`);
  }
  return { flake, ref: SCHEME.test(flake) ? flake : dir, localDir: dir };
}
function readNixConfig(inputs, input) {
  const config = inputs.optionalString(input);
  if (config === void 0) return void 0;
  for (const token of nixConfigSecrets(config)) inputs.mask(token);
  config.split("\n").forEach((line, i) => {
    const text = line.trim();
    if (!text || text.startsWith("#") || /^!?include\s+\S/.test(text)) return;
    if (!/^[A-Za-z][\w-]*\s*=/.test(text)) {
      throw inputs.error(input, `line ${i + 1} is not a nix.conf setting. Expected lines of the form 'name = value'.`);
    }
  });
  return config;
}
function nixConfigSecrets(config) {
  const secrets = [];
  for (const line of (config ?? "").split("\n")) {
    const m = /^\s*(?:extra-)?access-tokens\s*[=:\s]\s*(.*)$/.exec(line);
    for (const pair of m?.[1]?.split(/\s+/) ?? []) {
      const token = pair.slice(pair.indexOf("=") + 1);
      if (token) secrets.push(token);
    }
  }
  return secrets;
}
function nixArgsSecrets(args) {
  const values = [];
  args.forEach((arg, i) => {
    if (arg === "--access-tokens" || arg === "--extra-access-tokens") values.push(args[i + 1] ?? "");
    if (arg === "--option" && /^(extra-)?access-tokens$/.test(args[i + 1] ?? "")) values.push(args[i + 2] ?? "");
  });
  return values.flatMap((v) => nixConfigSecrets(`access-tokens = ${v}`));
}

// src/nix/extra-args.ts
function readExtraArgs(inputs, name) {
  const args = inputs.args(name);
  for (const token of nixArgsSecrets(args)) inputs.mask(token);
  return args;
}
var EVALUATION_FLAGS = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--impure": 0,
  "--option": 2,
  "--arg": 2,
  "--argstr": 2,
  "--no-update-lock-file": 0
};
var LOCK_FLAGS = {
  "--override-input": 2,
  "--override-flake": 2,
  "--inputs-from": 1,
  "--reference-lock-file": 1,
  "--option": 2,
  "--no-update-lock-file": 0
};
var BUILD_FLAGS = { "--option": 2 };
function pick(extraArgs, flags) {
  const picked = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const arity = flags[extraArgs[i] ?? ""];
    if (arity === void 0) continue;
    picked.push(...extraArgs.slice(i, i + 1 + arity));
    i += arity;
  }
  return picked;
}
function evaluationArgs(extraArgs) {
  return pick(extraArgs, EVALUATION_FLAGS);
}
function lockArgs(extraArgs) {
  return pick(extraArgs, LOCK_FLAGS);
}
function buildArgs(extraArgs) {
  return pick(extraArgs, BUILD_FLAGS);
}

// src/nix/source-map.ts
import { existsSync as existsSync2, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve as resolve3, sep } from "node:path";

// src/git/git.ts
import { readFile as readFile2 } from "node:fs/promises";
import { resolve as resolve2 } from "node:path";
var Git = class {
  constructor(cwd, binary = "git", env = process.env) {
    this.cwd = cwd;
    this.binary = binary;
    this.env = env;
  }
  cwd;
  binary;
  env;
  exec(args, options = {}) {
    return run([this.binary, ...args], { ...options, cwd: this.cwd, env: this.env });
  }
  async checked(args, options = {}) {
    return (await runChecked([this.binary, ...args], { ...options, cwd: this.cwd, env: this.env })).stdout;
  }
  /** The same git with more environment (credentials for one remote, GIT_DIR, ...). */
  withEnv(extra) {
    const Self = this.constructor;
    return new Self(this.cwd, this.binary, { ...this.env, ...extra });
  }
  /** The top of the work tree that holds cwd, or undefined outside one (or without git). */
  async tryToplevel() {
    try {
      const result = await this.exec(["rev-parse", "--show-toplevel"]);
      return result.exitCode === 0 ? result.stdout.trim() : void 0;
    } catch (error) {
      if (error instanceof CommandNotFoundError) return void 0;
      throw error;
    }
  }
};
var ZERO_SHA = "0000000000000000000000000000000000000000";
var GitHistory = class extends Git {
  /** The commit a revision names, or undefined when this clone does not have it. */
  async tryCommit(rev) {
    const result = await this.exec(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
    return result.exitCode === 0 ? result.stdout.trim() : void 0;
  }
  async isAncestor(ancestor, descendant) {
    const result = await this.exec(["merge-base", "--is-ancestor", ancestor, descendant]);
    if (result.exitCode > 1) throw new CommandError(result.command, result.exitCode, result.stderr);
    return result.exitCode === 0;
  }
  async isShallow() {
    return (await this.checked(["rev-parse", "--is-shallow-repository"])).trim() === "true";
  }
  /** The commits whose parents a shallow clone cut off (empty when it is complete). */
  async shallowBoundary() {
    const result = await this.exec(["rev-parse", "--git-path", "shallow"]);
    if (result.exitCode !== 0) return /* @__PURE__ */ new Set();
    try {
      const text = await readFile2(resolve2(this.cwd, result.stdout.trim()), "utf8");
      return new Set(text.split("\n").map((l) => l.trim()).filter(Boolean));
    } catch {
      return /* @__PURE__ */ new Set();
    }
  }
  /**
   * Commits reachable from `include` but from none of `exclude`; `all` lists every ref's history.
   * The revisions go through stdin: thousands of refs would not fit on a command line.
   */
  async revList(include, exclude = [], options = {}) {
    if (include !== "all" && !include.length) return [];
    const flags = options.noMerges ? ["--no-merges"] : [];
    if (include === "all") return lines(await this.checked(["rev-list", ...flags, "--all", "--"]));
    return lines(await this.checked(["rev-list", ...flags, "--stdin", "--"], { input: revisions(include, exclude) }));
  }
  /**
   * The commits just outside `tip --not exclude`: excluding these few leaves out exactly what
   * excluding every one of `exclude` does.
   */
  async boundary(tip, exclude) {
    const out = lines(await this.checked(["rev-list", "--boundary", "--stdin", "--"], { input: revisions([tip], exclude) }));
    return { commits: out.filter((l) => !l.startsWith("-")), boundary: out.filter((l) => l.startsWith("-")).map((l) => l.slice(1)) };
  }
  /** A file's content at a commit, or undefined when the commit has no such file. */
  async tryShow(commit, path) {
    const result = await this.exec(["cat-file", "blob", `${commit}:${path}`]);
    return result.exitCode === 0 ? result.stdout : void 0;
  }
  async gitDir() {
    return (await this.checked(["rev-parse", "--absolute-git-dir"])).trim();
  }
  async refs() {
    const out = await this.checked(["for-each-ref", "--format=%(objectname) %(refname)"]);
    return out.split("\n").filter(Boolean).map((line) => {
      const at = line.indexOf(" ");
      return { sha: line.slice(0, at), name: line.slice(at + 1) };
    }).filter((r) => /^[0-9a-f]{40,64}$/.test(r.sha));
  }
  async remotes() {
    return (await this.checked(["remote"])).split("\n").filter(Boolean);
  }
  /**
   * Fetches without tags: `fetch <options> --end-of-options <remote> <refspecs>`. Undefined when it worked,
   * else why not (the tail of git's stderr).
   */
  async fetchOrWhy(remote, options, refspecs = []) {
    const result = await this.exec(["fetch", "--quiet", "--no-tags", ...options, "--end-of-options", remote, ...refspecs]);
    return result.exitCode === 0 ? void 0 : tail(result.stderr, 5) || `git fetch exited with code ${result.exitCode}`;
  }
  /** Fetches refspecs from a remote or URL; throws with git's reason. */
  async fetchRefspecs(remote, refspecs) {
    await this.checked(["fetch", "--quiet", "--no-tags", "--end-of-options", remote, ...refspecs]);
  }
  /** The sha a remote's ref points at, or undefined when the remote has no such ref. */
  async lsRemote(remote, ref) {
    const out = await this.checked(["ls-remote", "--end-of-options", remote, ref]);
    const line = out.split("\n").find((l) => l.endsWith(`	${ref}`));
    return line?.split("	")[0];
  }
};
function lines(text) {
  return text.split("\n").filter(Boolean);
}
function revisions(include, exclude) {
  return [...include, ...exclude.map((x) => `^${x}`)].map((r) => `${r}
`).join("");
}

// src/nix/source-map.ts
var ANY_SOURCE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-source\/(.+)$/;
function inSourceTree(file, map) {
  if (!map.root) return void 0;
  if (map.storePath) return file.startsWith(`${map.storePath}/`) ? file.slice(map.storePath.length + 1) : void 0;
  const m = ANY_SOURCE.exec(file);
  return m?.[1] && existsSync2(join(map.root, m[1])) ? m[1] : void 0;
}
function shown(onDisk, map) {
  const rel = relative(map.workspace, onDisk);
  return rel.startsWith("..") ? onDisk : rel.split(sep).join("/");
}
function toWorkspacePath(file, map) {
  const inSource = inSourceTree(file, map);
  return inSource === void 0 || !map.root ? void 0 : shown(join(map.root, inSource), map);
}
function locate(error, map) {
  const untracked = untrackedFile(error.message, map);
  if (untracked) {
    const hint = `${untracked.path} exists in the work tree but git does not track it, and Nix only sees tracked files of a git flake: git add it.`;
    return { message: `${error.message}
${hint}`, ...untracked.referencedAt ?? positionOf(error, map) };
  }
  return { message: error.message, ...positionOf(error, map) };
}
function positionOf(error, map) {
  const candidates = [error.position, ...error.trace.map((f) => f.position)];
  for (const pos of candidates) {
    const file = pos && toWorkspacePath(pos.file, map);
    if (pos && file) return { file, line: pos.line, column: pos.column };
  }
  return {};
}
var MAX_FILES_SEARCHED = 2e3;
function untrackedFile(message, map) {
  const m = /getting status of '(\/nix\/store\/[0-9a-z]{32}-source\/[^']+)': No such file or directory/.exec(message);
  const inSource = m?.[1] && ANY_SOURCE.exec(m[1])?.[1];
  if (!inSource || !map.root || !existsSync2(join(map.root, inSource))) return void 0;
  const missing = resolve3(map.root, inSource);
  const files = nixFiles(map.root);
  for (const file of files) {
    const lines2 = readFileSync(file, "utf8").split("\n");
    for (const [i, text] of lines2.entries()) {
      for (const literal of text.matchAll(/(?<![\w/])(\.{1,2}\/[\w./+-]*)/g)) {
        const target = resolve3(dirname(file), literal[1] ?? "");
        if (target === missing || target === dirname(missing) && missing.endsWith(`${sep}default.nix`)) {
          return { path: inSource, referencedAt: { file: shown(file, map), line: i + 1, column: (literal.index ?? 0) + 1 } };
        }
      }
    }
  }
  return { path: inSource };
}
function nixFiles(root) {
  const found = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (found.length >= MAX_FILES_SEARCHED) return;
      if (e.name === ".git" || e.name === "node_modules" || e.name === "result") continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".nix")) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}
async function sourceMapFor(nix, where3, lockFlags) {
  const gitRoot = where3.localDir && !where3.flake.startsWith("path:") ? await new Git(where3.localDir).tryToplevel() : void 0;
  const map = { root: gitRoot || where3.localDir, workspace: where3.pathsFromRepositoryRoot && gitRoot ? gitRoot : where3.workspace };
  try {
    map.storePath = await nix.flakeSourcePath(where3.ref, lockFlags);
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
  return map;
}

// src/runner/report-file.ts
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { dirname as dirname2, join as join2 } from "node:path";
async function writeStepReport(dir, action, data, path) {
  const target = path ?? join2(await newStepDir(dir, action), `${action}-report.json`);
  await mkdir(dirname2(target), { recursive: true });
  await writeFile(target, JSON.stringify(data, null, 2) + "\n");
  return target;
}
async function newStepDir(dir, action) {
  await mkdir(dir, { recursive: true });
  return mkdtemp(join2(dir, `${action}-`));
}

// src/actions/build-matrix/log-buffer.ts
var LOG_LINES_KEPT = 2e3;
var LogBuffer = class {
  constructor(limit = LOG_LINES_KEPT) {
    this.limit = limit;
  }
  limit;
  lines = [];
  dropped = 0;
  push(line) {
    this.lines.push(line);
    if (this.lines.length > this.limit) {
      this.lines.shift();
      this.dropped++;
    }
  }
  text() {
    const head = this.dropped ? `[${this.dropped} earlier lines left out]
` : "";
    return head + this.lines.join("\n");
  }
  tail(count) {
    return this.lines.slice(-count).join("\n");
  }
};

// src/actions/build-matrix/push.ts
function confirmUrl(target) {
  if (target.kind === "cachix") return cachixUrl(target.name);
  return /^(https?|file):\/\//.test(target.uri) ? target.uri : void 0;
}
var SIGNS_ON_WRITE = /^(file|https?|s3):\/\//i;
function pushStoreUri(uri, keyFile) {
  if (!keyFile || !SIGNS_ON_WRITE.test(uri)) return uri;
  const [base, fragment] = uri.split("#", 2);
  return `${base}${base?.includes("?") ? "&" : "?"}secret-key=${keyFile}${fragment === void 0 ? "" : `#${fragment}`}`;
}
var CONFIRM_ATTEMPTS = 3;
var CONFIRM_DELAY_MS = 300;
async function push(target, out, ctx, onStderrLine) {
  const { nix, checker } = ctx;
  if (target.kind === "cachix") {
    await ctx.cachix.push(target.name, [out], { authToken: ctx.cachixAuthToken, signingKey: ctx.signingKey }, onStderrLine);
  } else {
    const remote = /^ssh(-ng)?:\/\//.test(target.uri);
    if (ctx.keyFile && remote) {
      try {
        await nix.signClosure(ctx.keyFile, [out]);
      } catch (error) {
        throw new Error(
          `signing ${out} in the local store failed: ${nixErrorMessage(error)}. The runner's Nix user must be in trusted-users to sign, or push as a trusted ssh user without signing-key.`
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

// src/actions/build-matrix/report.ts
function evaluationFailure(host2, error) {
  const result = { host: host2, status: "eval-failed", pushed: false, error: error.message };
  if (error.file) Object.assign(result, { file: error.file, line: error.line, column: error.column });
  return result;
}
function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
var STATUS_TEXT = {
  planned: "\u{1F528} to build",
  cached: "\u2705 cached",
  built: "\u2705 built",
  pushed: "\u2705 pushed",
  failed: "\u274C failed",
  "eval-failed": "\u274C eval-failed"
};
function where(h) {
  return h.file ? ` (${h.file}:${h.line}${h.column ? `:${h.column}` : ""})` : "";
}
function renderReport(report) {
  const failed = report.hosts.filter((h) => h.status === "failed" || h.status === "eval-failed");
  const r = new Report(`build-matrix (${report.mode}): ${failed.length ? `${failed.length} host${failed.length === 1 ? "" : "s"} failed` : "all hosts good"}`);
  const count = (s) => report.hosts.filter((h) => h.status === s).length;
  const parts = ["cached", "planned", "built", "pushed", "failed", "eval-failed"].filter((s) => count(s)).map((s) => `${count(s)} ${s === "planned" ? "to build" : s}`);
  if (report.listing) {
    const at = report.listing.file ? ` (${report.listing.file}:${report.listing.line})` : "";
    r.paragraph(`The hosts could not be listed, so nothing was planned (${report.seconds} s, ${report.nixVersion}): ${headline(report.listing.message)}${at}`);
  } else r.paragraph(`${report.hosts.length} hosts in ${report.seconds} s with ${report.nixVersion}: ${parts.join(", ") || "none"}.`);
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Time", "Closure", "Detail"],
      report.hosts.map((h) => [
        h.host,
        STATUS_TEXT[h.status],
        h.seconds === void 0 ? "" : `${h.seconds} s`,
        h.closureBytes === void 0 ? "" : formatBytes(h.closureBytes),
        h.error ? headline(h.error) + where(h) : h.status === "cached" ? `in ${(h.cachedIn ?? []).join(", ")}` : h.out ?? ""
      ])
    );
  }
  if (report.warnings.length) {
    r.heading("Warnings");
    r.list(report.warnings);
  }
  for (const h of failed) {
    const detail = h.logTail || h.error;
    if (detail && (detail.includes("\n") || h.logTail)) r.code(`${h.host}: ${h.status}${where(h)}`, detail);
  }
  return r;
}
function failureMessage(report) {
  const evalFailed = report.hosts.filter((h) => h.status === "eval-failed").map((h) => h.host);
  const failed = report.hosts.filter((h) => h.status === "failed").map((h) => h.host);
  const parts = [];
  if (report.listing) return `could not list the hosts: ${headline(report.listing.message)}`;
  if (evalFailed.length) parts.push(`failed to evaluate: ${evalFailed.join(", ")}`);
  if (failed.length) parts.push(`failed to build or push: ${failed.join(", ")}`);
  return `${evalFailed.length + failed.length} of ${report.hosts.length} hosts failed (${parts.join("; ")})`;
}

// src/actions/build-matrix/build-host.ts
var FAILED_TAIL_LINES = 25;
var UNTRUSTED_SETTING = /ignoring untrusted substituter|ignoring the client-specified setting|is a restricted setting|not a trusted user/i;
function ignoredSettingNotice(line) {
  return UNTRUSTED_SETTING.test(line);
}
function seconds(since) {
  return Math.round((Date.now() - since) / 100) / 10;
}
async function buildHost(result, ctx) {
  const { options, nix, runtime } = ctx;
  const started = Date.now();
  const log = new LogBuffer();
  const onLine = (line) => {
    log.push(line);
    if (ctx.live) runtime.untrusted(line);
    if (ignoredSettingNotice(line)) {
      ctx.warn(`Nix ignored some of this run's settings (caches, keys or netrc) because the runner's user is not a trusted user of the Nix daemon: "${line.trim()}". Add the user to trusted-users, or set the caches in the daemon's nix.conf.`);
    }
  };
  let stage = "build";
  const attempt = async () => {
    try {
      if (!result.drv) {
        stage = "evaluation";
        if (!await evaluateAlone(result, nix, ctx)) return;
        stage = "build";
      }
      const built = await nix.buildDerivation(result.drv, ["--print-build-logs", ...ctx.buildArgs], { onStderrLine: onLine });
      const out = built.outputs.out;
      if (!out) throw new Error(`nix build printed no output path for ${result.host}`);
      if (result.out && out !== result.out) ctx.warn(`${result.host}: built ${out}, but the plan had ${result.out}`);
      result.out = out;
      result.status = "built";
      try {
        const [info] = await nix.pathInfo([out], { closureSize: true });
        result.closureBytes = info?.closureSize;
      } catch (error) {
        ctx.warn(`${result.host}: could not measure the closure of ${out}: ${nixErrorMessage(error)}`);
      }
      if (options.pushTo) {
        stage = "push";
        await push(options.pushTo, out, ctx, onLine);
        result.status = "pushed";
        result.pushed = true;
      }
    } catch (error) {
      result.status = stage === "evaluation" ? "eval-failed" : "failed";
      result.error = stage === "push" ? `push failed: ${nixErrorMessage(error)}` : nixErrorMessage(error);
      result.logTail = tail(error instanceof CommandError ? error.stderr : log.tail(FAILED_TAIL_LINES) || String(error), FAILED_TAIL_LINES);
    } finally {
      result.seconds = seconds(started);
    }
  };
  if (ctx.live) await runtime.group(`${result.host}: building`, attempt);
  else await attempt();
  const size = result.closureBytes === void 0 ? "" : `, closure ${formatBytes(result.closureBytes)}`;
  runtime.info(`${result.host}: ${result.status} in ${result.seconds} s${size}`);
  const text = log.text();
  if (!ctx.live && text) await runtime.group(`${result.host}: log`, async () => runtime.untrusted(text));
  if (result.status === "failed" || result.status === "eval-failed") {
    const title = result.status === "eval-failed" ? `host ${result.host} failed to evaluate` : `host ${result.host} failed`;
    runtime.annotate({ level: "error", title, message: result.error ?? "", file: result.file, line: result.line, column: result.column });
    if (result.logTail) {
      runtime.info(`${result.host}: last lines of the ${stage}:`);
      runtime.untrusted(result.logTail);
    }
  }
}
async function evaluateAlone(result, nix, ctx) {
  let evaluation;
  try {
    evaluation = await evaluateFleet(nix, ctx.options.ref, [result.host], { extraArgs: ctx.evalArgs });
  } catch (error2) {
    if (!(error2 instanceof HostsUnlistedError) || !error2.errors[0]) throw error2;
    Object.assign(result, evaluationFailure(result.host, locate(error2.errors[0], ctx.map)));
    return false;
  }
  const evaluated = evaluation.hosts[0];
  if (evaluated) {
    Object.assign(result, { system: evaluated.system, drv: evaluated.drv, out: evaluated.out });
    return true;
  }
  const failure = evaluation.failed[0];
  const error = failure?.errors[0] ? locate(failure.errors[0], ctx.map) : { message: `${result.host} did not evaluate` };
  Object.assign(result, evaluationFailure(result.host, error));
  return false;
}

// src/actions/build-matrix/caches.ts
import { readFile as readFile3 } from "node:fs/promises";
import { join as join3 } from "node:path";
function cacheCredentials(options) {
  const entries = [...options.cacheNetrc ?? []];
  const token = options.cachixAuthToken;
  if (token) {
    const urls = [...options.caches, ...options.pushTo?.kind === "cachix" ? [cachixUrl(options.pushTo.name)] : []];
    for (const cache of urls) {
      const hostname = safeHostname(cache);
      if (hostname?.endsWith(".cachix.org") && !entries.some((e) => e.machine === hostname)) {
        entries.push({ machine: hostname, login: "", password: token });
      }
    }
  }
  return entries;
}
function safeHostname(url) {
  try {
    return new URL(url).hostname || void 0;
  } catch {
    return void 0;
  }
}
function runSubstituters(options) {
  const substituters = [...options.caches];
  const target = options.pushTo;
  if (target?.kind === "cachix" && options.cachePublicKeys.some((k) => k.startsWith(`${target.name}.cachix.org-`))) {
    const url = cachixUrl(target.name);
    if (!substituters.includes(url)) substituters.push(url);
  }
  return substituters;
}
function nixConfigFor(options, netrcFile) {
  return runNixConfig({ nixConfig: options.nixConfig, substituters: runSubstituters(options), trustedPublicKeys: options.cachePublicKeys, netrcFile });
}
async function userNetrc(runtime, warn, nixConfig) {
  const confDir = process.env.NIX_CONF_DIR || "/etc/nix";
  const nixConf = await readFile3(join3(confDir, "nix.conf"), "utf8").catch(() => void 0);
  const file = configuredNetrcFile([process.env.NIX_CONFIG, nixConfig].filter(Boolean).join("\n") || void 0, nixConf, confDir);
  let text;
  try {
    text = await readFile3(file, "utf8");
  } catch (error) {
    const code = error.code;
    if (code !== "ENOENT") warn(`the netrc file ${file} cannot be read (${code ?? "error"}): Nix will not use its credentials in this run.`);
    return [];
  }
  const entries = parseNetrc(text);
  for (const entry of entries) if (entry.password) runtime.setSecret(entry.password);
  return entries;
}

// src/actions/build-matrix/plan-hosts.ts
async function planHosts(ctx, results) {
  const { options, runtime, warn } = ctx;
  const evalStarted = Date.now();
  const evaluation = ctx.evaluated ? selectHosts(ctx.evaluated, options.hosts) : await evaluateFleet(ctx.nix, options.ref, options.hosts, { extraArgs: ctx.evalArgs });
  const count = evaluation.hosts.length + evaluation.failed.length;
  runtime.info(
    ctx.evaluated ? `Planning ${count} hosts from flake-check's evaluation (no new evaluation): ${evaluation.failed.length} failed.` : `Evaluated ${count} hosts in ${seconds(evalStarted)} s (${evaluation.nixCalls} nix evaluation${evaluation.nixCalls === 1 ? "" : "s"}): ${evaluation.failed.length} failed.`
  );
  for (const f of evaluation.failed) {
    const error = f.errors[0] ? locate(f.errors[0], ctx.map) : { message: "it did not evaluate" };
    const result = evaluationFailure(f.host, error);
    results.set(f.host, result);
    runtime.annotate({ level: "error", title: `host ${f.host} failed to evaluate`, message: error.message, file: result.file, line: result.line, column: result.column });
  }
  for (const h of evaluation.hosts) results.set(h.host, { host: h.host, status: "planned", system: h.system, drv: h.drv, out: h.out, pushed: false });
  const asked = options.caches.filter((c) => !/^s3:\/\//i.test(c));
  if (asked.length < options.caches.length) {
    runtime.info("s3:// caches are used as substituters but not asked which hosts they hold: no host is skipped for them.");
  }
  if (!options.skipCached || !asked.length || !evaluation.hosts.length) return;
  const checkStarted = Date.now();
  const presence = await ctx.checker.check(
    asked,
    evaluation.hosts.map((h) => h.out)
  );
  const failures = /* @__PURE__ */ new Map();
  for (const [i, p] of presence.entries()) {
    const result = results.get(evaluation.hosts[i].host);
    if (p.cachedIn.length) {
      result.status = "cached";
      result.cachedIn = p.cachedIn.map(displayUrl);
    }
    for (const e of p.errors) failures.set(e.cache, { count: (failures.get(e.cache)?.count ?? 0) + 1, message: e.message });
  }
  for (const [cache, f] of failures) {
    warn(`cache ${displayUrl(cache)} could not be asked about ${f.count} host${f.count === 1 ? "" : "s"} (${f.message}): counted as not cached there.`);
  }
  const cached = [...results.values()].filter((h) => h.status === "cached").length;
  runtime.info(`Asked ${asked.length} cache${asked.length === 1 ? "" : "s"} in ${seconds(checkStarted)} s: ${cached} of ${evaluation.hosts.length} hosts already cached.`);
}

// src/actions/build-matrix/state.ts
var PRIVATE_DIR_STATE = "private-dir";
var PRIVATE_DIR_PREFIX = "nix-fleet-build-matrix-";

// src/actions/build-matrix/run.ts
var MAX_MATRIX_JOBS = 256;
async function runBuildMatrix(options, deps) {
  const { runtime } = deps;
  const started = Date.now();
  for (const entry of cacheCredentials(options)) if (entry.password) runtime.setSecret(entry.password);
  await mkdir2(options.tempRoot, { recursive: true });
  const privateDir = await mkdtemp2(join4(options.tempRoot, PRIVATE_DIR_PREFIX));
  runtime.saveState(PRIVATE_DIR_STATE, privateDir);
  const checker = new CachePresence({ ...options.cacheCheck, netrc: cacheCredentials(options) });
  try {
    return await runInside(options, deps, privateDir, checker, started);
  } finally {
    checker.close();
    await rm(privateDir, { recursive: true, force: true });
  }
}
async function runInside(options, deps, privateDir, checker, started) {
  const { runtime } = deps;
  const warnings = [];
  const warn = (message) => {
    if (warnings.includes(message)) return;
    warnings.push(message);
    runtime.warning(message);
  };
  const credentials = cacheCredentials(options);
  let netrcFile;
  if (credentials.length) {
    const own = (await userNetrc(runtime, warn, options.nixConfig)).filter((u) => !credentials.some((c) => c.machine === u.machine));
    netrcFile = join4(privateDir, "netrc");
    await writeFile2(netrcFile, formatNetrc([...credentials, ...own]), { mode: 384 });
  }
  const nix = deps.nix ?? await Nix.create({ extraConfig: nixConfigFor(options, netrcFile) });
  runtime.info(`build-matrix (${options.mode}) on '${options.flake}' with ${nix.version.text}`);
  const evalArgs = evaluationArgs(options.extraArgs);
  const map = await sourceMapFor(nix, options, lockArgs(options.extraArgs));
  const results = /* @__PURE__ */ new Map();
  let listing;
  if (options.mode === "build") {
    const host2 = options.host;
    results.set(host2, { host: host2, status: "planned", pushed: false });
  } else {
    try {
      await planHosts({ options, nix, checker, runtime, map, evalArgs, warn, evaluated: deps.evaluation }, results);
    } catch (error) {
      if (!(error instanceof HostsUnlistedError)) throw error;
      listing = locate(error.errors[0] ?? { message: error.message, trace: [], ignored: false }, map);
      runtime.annotate({ level: "error", title: "the hosts could not be listed", message: listing.message, file: listing.file, line: listing.line, column: listing.column });
    }
  }
  const planned = [...results.values()].filter((h) => h.status === "planned");
  const matrix = {
    include: planned.filter((h) => h.drv).map((h) => ({ host: h.host, system: h.system ?? "", drv: h.drv ?? "", out: h.out ?? "" }))
  };
  if (options.mode !== "build") {
    if (matrix.include.length > MAX_MATRIX_JOBS) {
      warn(`the matrix has ${matrix.include.length} hosts, more than the ${MAX_MATRIX_JOBS} jobs GitHub allows in one matrix: split the fleet with 'hosts', or build with mode 'all'.`);
    }
    runtime.setOutput("matrix", JSON.stringify(matrix));
    runtime.setOutput("hosts", JSON.stringify(matrix.include.map((e) => e.host)));
    runtime.setOutput("cached", JSON.stringify([...results.values()].filter((h) => h.status === "cached").map((h) => h.host)));
    runtime.setOutput("empty", String(matrix.include.length === 0));
  }
  if (options.mode !== "plan") {
    let keyFile;
    if (options.signingKey && options.pushTo?.kind === "store") {
      keyFile = join4(privateDir, "signing-key");
      await writeFile2(keyFile, `${options.signingKey}
`, { mode: 384 });
    }
    const cachix = deps.cachix ?? new Cachix();
    const parallel = Math.min(options.maxParallel, planned.length);
    if (parallel > 1) {
      const pushedTo = options.pushTo?.kind === "store" ? [options.pushTo.uri] : [];
      await registerCaches(nix, [...runSubstituters(options), ...pushedTo]);
    }
    const live = parallel <= 1;
    if (planned.length) runtime.info(`Building ${planned.length} host${planned.length === 1 ? "" : "s"}, ${parallel} at a time.`);
    const ctx = {
      options,
      nix,
      runtime,
      checker,
      cachix,
      cachixAuthToken: options.cachixAuthToken,
      signingKey: options.signingKey,
      keyFile,
      warn,
      live,
      map,
      evalArgs,
      buildArgs: buildArgs(options.extraArgs)
    };
    await mapConcurrent(planned, options.maxParallel, (result) => buildHost(result, ctx));
    const built = [...results.values()].filter((h) => h.out && (h.status === "built" || h.status === "pushed"));
    runtime.setOutput("out-paths", JSON.stringify(Object.fromEntries(built.map((h) => [h.host, h.out]))));
    runtime.setOutput(
      "results",
      JSON.stringify(
        Object.fromEntries(
          [...results.values()].map((h) => [h.host, { status: h.status, seconds: h.seconds ?? 0, closureBytes: h.closureBytes ?? null, pushed: h.pushed }])
        )
      )
    );
  }
  const hosts = [...results.values()].sort((a, b) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
  const report = {
    mode: options.mode,
    flake: options.flake,
    result: listing || hosts.some((h) => h.status === "failed" || h.status === "eval-failed") ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts,
    matrix,
    warnings,
    seconds: seconds(started)
  };
  if (listing) report.listing = listing;
  runtime.report(renderReport(report));
  runtime.setOutput("report", await writeStepReport(options.reportDir, "build-matrix", report, options.reportPath));
  return report;
}
async function registerCaches(nix, substituters) {
  for (const cache of substituters.filter((c) => /^https?:\/\//i.test(c))) await nix.tryOpenStore(cache);
}

// src/cli/plan.ts
import { readFileSync as readFileSync2 } from "node:fs";
import { resolve as resolve5 } from "node:path";

// src/actions/build-matrix/options.ts
import { tmpdir } from "node:os";
import { resolve as resolve4 } from "node:path";
var MODES = ["plan", "build", "all"];
var STORE_SCHEMES = ["ssh-ng", "ssh", "file", "s3", "http", "https"];
var CACHE_SCHEMES = ["http", "https", "file", "s3"];
function host(inputs, name, value) {
  if (!HOST_NAME.test(value)) throw inputs.error(name, `'${value}' is not a host name. Expected names of nixosConfigurations, such as web or db-1.`);
  return value;
}
function scheme(value) {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
}
function refuseCredentials(inputs, name, url) {
  for (const s of urlCredentials(url)) inputs.mask(s);
  const userinfo = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s]*)@/i.exec(url);
  if (!userinfo || !/^https?$/i.test(userinfo[1] ?? "") && !userinfo[2]?.includes(":")) return;
  const instead = /^https?$/i.test(userinfo[1] ?? "") ? "the credentials in the netrc (cache-netrc: machine <host> login <user> password <token>)" : "an ssh key the runner's ssh configuration offers";
  throw inputs.error(name, `'${displayUrl(url)}' has credentials in it. Expected the URL without them, and ${instead}.`);
}
function parsePushTarget(inputs, value) {
  if (!value) return void 0;
  const expected = "a store URI (ssh-ng://user@host, file:///dir, s3://bucket, https://cache) or cachix:<name>";
  if (value.startsWith("cachix:")) {
    const name = value.slice("cachix:".length);
    if (!CACHIX_NAME.test(name)) throw inputs.error("push-to", `'${name}' is not a Cachix cache name. Expected cachix:<name> with lower-case letters, digits and dashes.`);
    return { kind: "cachix", name };
  }
  const s = scheme(value);
  if (!s || !STORE_SCHEMES.includes(s)) throw inputs.error("push-to", `'${value}' is not a store URI this action pushes to. Expected ${expected}.`);
  return { kind: "store", uri: value };
}
function readBuildMatrixOptions(inputs, env, cwd = process.cwd()) {
  const mode = inputs.oneOf("mode", MODES, "plan");
  const flakeRef = readFlakeRef(inputs, "flake", cwd);
  const hosts = inputs.list("hosts").map((h) => host(inputs, "hosts", h));
  const hostValue = inputs.optionalString("host");
  if (mode === "build" && !hostValue) {
    throw inputs.error("host", "it is required with mode 'build'. Expected the host of this matrix job, such as ${{ matrix.host }}.");
  }
  const caches = inputs.list("caches");
  for (const cache of caches) refuseCredentials(inputs, "caches", cache);
  for (const cache of caches) {
    const s = scheme(cache);
    if (!s || !CACHE_SCHEMES.includes(s)) throw inputs.error("caches", `'${cache}' is not a binary cache URL. Expected http(s)://, file:// or s3:// substituter URLs.`);
  }
  const cachePublicKeys = inputs.list("cache-public-keys");
  for (const key of cachePublicKeys) {
    if (!/^[^:\s]+:[A-Za-z0-9+/]{43}=$/.test(key)) throw inputs.error("cache-public-keys", `'${key}' is not a Nix public key. Expected <name>:<base64 Ed25519 key>, as nix key convert-secret-to-public prints.`);
  }
  const netrcText = inputs.secret("cache-netrc");
  const signingKey = inputs.secret("signing-key")?.trim();
  const cachixAuthToken = inputs.secret("cachix-auth-token")?.trim();
  let cacheNetrc;
  if (netrcText) {
    cacheNetrc = parseNetrc(netrcText);
    if (!cacheNetrc.length) throw inputs.error("cache-netrc", "it has no machine entry. Expected netrc text: machine <host> login <user> password <token>.");
  }
  if (signingKey && !/^[^:\s]+:[A-Za-z0-9+/]{86}==$/.test(signingKey)) {
    throw inputs.error("signing-key", "it is not a Nix secret key. Expected <name>:<base64>, as nix key generate-secret prints.");
  }
  const pushValue = inputs.optionalString("push-to");
  if (pushValue) refuseCredentials(inputs, "push-to", pushValue);
  const pushTo = parsePushTarget(inputs, pushValue);
  if (pushTo?.kind === "cachix" && !cachixAuthToken) {
    throw inputs.error("cachix-auth-token", `it is required to push to cachix:${pushTo.name}. Expected the cache's auth token from a secret.`);
  }
  return {
    mode,
    ...flakeRef,
    extraArgs: readExtraArgs(inputs, "extra-args"),
    workspace: env.GITHUB_WORKSPACE || cwd,
    pathsFromRepositoryRoot: !!env.GITHUB_WORKSPACE,
    hosts,
    host: hostValue === void 0 ? void 0 : host(inputs, "host", hostValue),
    caches,
    cachePublicKeys,
    cacheNetrc,
    skipCached: inputs.bool("skip-cached", true),
    pushTo,
    signingKey,
    cachixAuthToken,
    maxParallel: inputs.int("max-parallel", 2, { min: 1, max: 64 }),
    cacheCheck: { timeoutMs: 1e4, retries: 2, concurrency: 16 },
    nixConfig: readNixConfig(inputs, "nix-config"),
    tempRoot: env.RUNNER_TEMP || tmpdir(),
    reportDir: resolve4(env.RUNNER_TEMP || tmpdir(), "nix-fleet")
  };
}

// src/cli/plan.ts
var matrixOptions = {
  flake: { type: "string" },
  hosts: { type: "string" },
  caches: { type: "string" },
  "cache-public-keys": { type: "string" },
  "cache-netrc-file": { type: "string" },
  "no-skip-cached": { type: "boolean" },
  json: { type: "boolean" },
  report: { type: "string" },
  "nix-config": { type: "string" },
  "extra-args": { type: "string" }
};
var SECRET_SOURCES = {
  "cache-netrc": "option --cache-netrc-file",
  "signing-key": "option --signing-key-file",
  "cachix-auth-token": "environment variable CACHIX_AUTH_TOKEN"
};
function readSecretFile(option, path) {
  if (path === void 0) return void 0;
  try {
    return readFileSync2(resolve5(path), "utf8");
  } catch (error) {
    const why = error.code === "ENOENT" ? "no such file" : error.message;
    throw new InputError(option, `cannot read '${path}': ${why}. Expected the path of a readable file.`, `option --${option}`);
  }
}
async function runMatrixCommand(mode, values, runtime, scratch) {
  const given = {
    ...values,
    mode,
    "skip-cached": values["no-skip-cached"] ? "false" : void 0,
    "cache-netrc": readSecretFile("cache-netrc-file", values["cache-netrc-file"]),
    "signing-key": readSecretFile("signing-key-file", values["signing-key-file"]),
    "cachix-auth-token": process.env.CACHIX_AUTH_TOKEN
  };
  const label = (name) => SECRET_SOURCES[name] ?? cliOptionLabel(name);
  const inputs = new Inputs((name) => typeof given[name] === "boolean" ? String(given[name]) : given[name], (s) => runtime.setSecret(s), label);
  const options = readBuildMatrixOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, process.cwd());
  options.tempRoot = scratch;
  options.reportDir = scratch;
  if (values.report) options.reportPath = resolve5(String(values.report));
  return runBuildMatrix(options, { runtime });
}
var planCommand = {
  name: "plan",
  usage: `  nix-fleet plan [--flake PATH] [--hosts a,b] [--caches URLS] [--cache-public-keys KEYS]
                 [--cache-netrc-file FILE] [--no-skip-cached] [--nix-config LINES] [--extra-args ARGS]
                 [--json] [--report FILE]
      Evaluates every host once, asks the caches which toplevels they hold, and prints the
      build matrix ({"include": [{host, system, drv, out}]}) on stdout; --json prints the report.
      --extra-args takes evaluation flags (input overrides, options) for every evaluation, as check does.`,
  options: matrixOptions,
  async run(values, runtime, scratch) {
    const report = await runMatrixCommand("plan", values, runtime, scratch);
    runtime.result(JSON.stringify(values.json ? report : report.matrix, null, values.json ? 2 : void 0));
    if (report.result === "failure") {
      runtime.info(`nix-fleet plan failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  }
};

// src/cli/build.ts
var buildCommand = {
  name: "build",
  usage: `  nix-fleet build (--host HOST | --all) [--flake PATH] [--hosts a,b] [--caches URLS]
                  [--cache-public-keys KEYS] [--cache-netrc-file FILE] [--no-skip-cached] [--nix-config LINES]
                  [--extra-args ARGS]
                  [--push-to URI] [--signing-key-file FILE] [--max-parallel N] [--json] [--report FILE]
      Builds one host, or every uncached host (--all), never stopping at a failure; pushes each
      closure to --push-to (a store URI, or cachix:NAME with CACHIX_AUTH_TOKEN set).`,
  options: {
    ...matrixOptions,
    host: { type: "string" },
    all: { type: "boolean" },
    "push-to": { type: "string" },
    "signing-key-file": { type: "string" },
    "max-parallel": { type: "string" }
  },
  async run(values, runtime, scratch) {
    if (values.all === (values.host !== void 0)) {
      throw new InputError("host", "give either --host HOST or --all. Expected one of them.", "options --host/--all");
    }
    const report = await runMatrixCommand(values.all ? "all" : "build", values, runtime, scratch);
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.result === "failure") {
      runtime.info(`nix-fleet build failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  }
};

// src/cli/check.ts
import { resolve as resolve7 } from "node:path";

// src/actions/flake-check/options.ts
import { tmpdir as tmpdir2 } from "node:os";
import { resolve as resolve6 } from "node:path";
function readFlakeCheckOptions(inputs, env, cwd = process.cwd()) {
  const nixConfig = readNixConfig(inputs, "nix-config");
  const options = {
    ...readFlakeRef(inputs, "flake", cwd),
    allSystems: inputs.bool("all-systems", false),
    buildChecks: inputs.bool("build-checks", true),
    keepGoing: inputs.bool("keep-going", true),
    extraArgs: readExtraArgs(inputs, "extra-args"),
    workspace: env.GITHUB_WORKSPACE || cwd,
    pathsFromRepositoryRoot: !!env.GITHUB_WORKSPACE,
    reportDir: resolve6(env.RUNNER_TEMP || tmpdir2(), "nix-fleet")
  };
  if (nixConfig !== void 0) options.nixConfig = nixConfig;
  return options;
}

// src/actions/flake-check/analyze.ts
function derivationName(drvPath) {
  return drvPath.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, "");
}
function groupErrors(errors, checkNames2 = /* @__PURE__ */ new Map()) {
  const result = { byHost: /* @__PURE__ */ new Map(), byOutput: /* @__PURE__ */ new Map(), unattributed: [] };
  const add = (map, key, e) => map.set(key, [...map.get(key) ?? [], e]);
  for (const e of errors) {
    if (e.host) add(result.byHost, e.host, e);
    else if (e.output && e.output !== "nixosConfigurations") add(result.byOutput, e.output, e);
    else if (e.derivation) add(result.byOutput, checkNames2.get(e.derivation) ?? `build of ${derivationName(e.derivation)}`, e);
    else result.unattributed.push(e);
  }
  return result;
}

// src/actions/flake-check/checks.ts
async function checkNames(nix, flake, evalArgs) {
  const apply = "cs: builtins.mapAttrs (s: v: builtins.mapAttrs (n: c: let r = builtins.tryEval c.drvPath; in if r.success then r.value else null) v) cs";
  const names = /* @__PURE__ */ new Map();
  try {
    const checks = await nix.evalJson(`${flake}#checks`, { apply, extraArgs: evalArgs });
    for (const [system, byName] of Object.entries(checks)) {
      for (const [name, drv] of Object.entries(byName)) if (drv) names.set(drv, `checks.${system}.${name}`);
    }
  } catch {
  }
  return names;
}

// src/actions/flake-check/report.ts
var GITHUB_ANNOTATION_LIMIT = 10;
function where2(e) {
  return e.file ? `${e.file}:${e.line}${e.column ? `:${e.column}` : ""}` : "";
}
function annotate(runtime, report) {
  for (const h of report.hosts) {
    for (const e of h.errors) {
      runtime.annotate({ level: "error", title: `host ${h.host} is broken`, message: e.message, file: e.file, line: e.line, column: e.column });
    }
  }
  for (const o of report.outputs) {
    for (const e of o.errors) {
      runtime.annotate({ level: "error", title: o.output === "flake" ? "flake" : `${o.output} failed`, message: e.message, file: e.file, line: e.line, column: e.column });
    }
  }
}
function renderReport2(report) {
  const r = new Report(`flake-check: ${report.result === "success" ? "all hosts good" : "failed"}`);
  const count = (status) => report.hosts.filter((h) => h.status === status).length;
  if (!report.hostsListed) {
    const why = report.outputs.find((o) => o.output === "hosts" || o.output === "flake")?.errors[0]?.message;
    r.paragraph(`The hosts could not be listed, so no host was checked (${report.seconds} s, ${report.nixVersion})${why ? `: ${headline(why)}` : "."}`);
  } else {
    r.paragraph(`${report.hosts.length} hosts checked in ${report.seconds} s with ${report.nixVersion}: ${count("ok")} good, ${count("broken")} broken.`);
  }
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Error", "Location"],
      report.hosts.map((h) => {
        const e = h.errors[0];
        const status = h.status === "ok" ? "\u2705 ok" : "\u274C broken";
        const more = h.errors.length > 1 ? ` (+${h.errors.length - 1} more)` : "";
        return [h.host, status, e ? headline(e.message) + more : "", e ? where2(e) : ""];
      })
    );
  }
  const errorCount = [...report.hosts, ...report.outputs].reduce((n, x) => n + x.errors.length, 0);
  if (errorCount > GITHUB_ANNOTATION_LIMIT) {
    r.paragraph(`GitHub shows only the first ${GITHUB_ANNOTATION_LIMIT} error annotations of a step: all ${errorCount} errors are listed here.`);
  }
  if (report.outputs.length) {
    r.heading("Other errors");
    r.table(
      ["Output", "Error", "Location"],
      report.outputs.flatMap((o) => o.errors.map((e) => [o.output, headline(e.message), where2(e)]))
    );
  }
  const full = [...report.hosts.map((h) => [h.host, h.errors]), ...report.outputs.map((o) => [o.output, o.errors])];
  for (const [name, errors] of full) {
    for (const e of errors) if (e.message.includes("\n")) r.code(`${name}: ${where2(e) || "error"}`, e.message);
  }
  return r;
}
function failureMessage2(report) {
  const parts = [];
  if (report.brokenHosts.length) {
    parts.push(`${report.brokenHosts.length} of ${report.hosts.length} hosts are broken: ${report.brokenHosts.join(", ")}`);
  }
  const flake = report.outputs.find((o) => o.output === "flake");
  if (flake) parts.push(`the flake did not evaluate: ${headline(flake.errors[0]?.message ?? "")}`);
  const listing = report.outputs.find((o) => o.output === "hosts");
  if (listing) parts.push(`could not list the hosts: ${headline(listing.errors[0]?.message ?? "")}`);
  const others = report.outputs.filter((o) => o.output !== "flake" && o.output !== "hosts").map((o) => o.output);
  if (others.length) parts.push(`failed: ${others.join(", ")}`);
  return parts.join("; ");
}

// src/actions/flake-check/run.ts
async function runFlakeCheck(options, deps) {
  const { runtime } = deps;
  const started = Date.now();
  const nix = deps.nix ?? await Nix.create({ extraConfig: options.nixConfig });
  runtime.info(`Checking flake '${options.flake}' with ${nix.version.text}`);
  if (options.allSystems && !nix.features.flakeCheckAllSystems) {
    runtime.info(`${nix.version.text} has no --all-systems: it checks every system anyway.`);
  }
  const evalArgs = evaluationArgs(options.extraArgs);
  const map = await sourceMapFor(nix, options, lockArgs(options.extraArgs));
  const [evaluated, result] = await Promise.all([
    evaluateFleet(nix, options.ref, [], { extraArgs: evalArgs }).then(
      (evaluation2) => ({ evaluation: evaluation2 }),
      (error) => {
        if (error instanceof HostsUnlistedError) return { unlisted: error.errors };
        throw error;
      }
    ),
    runtime.group(
      "nix flake check output",
      () => nix.flakeCheck(options.ref, {
        keepGoing: options.keepGoing,
        build: options.buildChecks,
        allSystems: options.allSystems,
        extraArgs: options.extraArgs,
        onStderrLine: (line) => runtime.untrusted(line)
      })
    )
  ]);
  const { evaluation, unlisted } = evaluated;
  if (evaluation) deps.onEvaluation?.(evaluation);
  const hostResults = /* @__PURE__ */ new Map();
  for (const h of evaluation?.hosts ?? []) hostResults.set(h.host, { host: h.host, status: "ok", errors: [] });
  for (const f of evaluation?.failed ?? []) hostResults.set(f.host, { host: f.host, status: "broken", errors: f.errors.map((e) => locate(e, map)) });
  const outputs = [];
  const flakeErrors = [];
  const checkErrors = result.exitCode === 0 ? [] : parseNixErrors(result.stderr);
  if (result.exitCode !== 0) {
    const names = checkErrors.some((e) => e.derivation) ? await checkNames(nix, options.ref, evalArgs) : /* @__PURE__ */ new Map();
    const found = groupErrors(checkErrors, names);
    for (const [host2, errs] of found.byHost) {
      const known = hostResults.get(host2) ?? { host: host2, status: "broken", errors: [] };
      const more = errs.map((e) => locate(e, map)).filter((e) => !known.errors.some((k) => k.message === e.message));
      hostResults.set(host2, { host: host2, status: "broken", errors: [...known.errors, ...more] });
    }
    for (const [output, errs] of found.byOutput) outputs.push({ output, errors: errs.map((e) => locate(e, map)) });
    const unexplained = checkErrors.length ? found.unattributed : [{ message: tail(result.stderr) || `nix flake check exited with code ${result.exitCode}`, trace: [], ignored: false }];
    if (!options.keepGoing) runtime.info("keep-going is off: nix flake check stopped at its first error (every host was still evaluated).");
    const anyBroken = [...hostResults.values()].some((h) => h.status === "broken");
    const hostMessages = new Set([...hostResults.values()].flatMap((h) => h.errors.map((e) => e.message)));
    flakeErrors.push(...unexplained.filter((e) => !(e.output === "nixosConfigurations" && anyBroken) && !hostMessages.has(locate(e, map).message)));
  }
  const listing = (unlisted ?? []).filter((e) => !checkErrors.some((x) => x.message === e.message));
  if (listing.length) outputs.unshift({ output: "hosts", errors: listing.map((e) => locate(e, map)) });
  if (flakeErrors.length) outputs.unshift({ output: "flake", errors: dedupe(flakeErrors).map((e) => locate(e, map)) });
  const hostList = [...hostResults.values()].sort((a, b) => a.host < b.host ? -1 : a.host > b.host ? 1 : 0);
  const brokenHosts = hostList.filter((h) => h.status === "broken").map((h) => h.host);
  const report = {
    flake: options.flake,
    result: brokenHosts.length || outputs.length || unlisted ? "failure" : "success",
    nixVersion: nix.version.text,
    hostsListed: !unlisted,
    hosts: hostList,
    brokenHosts,
    outputs,
    seconds: Math.round((Date.now() - started) / 100) / 10
  };
  annotate(runtime, report);
  runtime.report(renderReport2(report));
  const reportPath = await writeStepReport(options.reportDir, "flake-check", report, options.reportPath);
  runtime.setOutput("result", report.result);
  runtime.setOutput("broken-hosts", JSON.stringify(brokenHosts));
  runtime.setOutput("report", reportPath);
  return report;
}
function dedupe(errors) {
  const seen = /* @__PURE__ */ new Set();
  return errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
}

// src/cli/command.ts
function cliInputs(values, runtime) {
  const source = (name) => {
    const v = values[name];
    return typeof v === "boolean" ? String(v) : v;
  };
  return new Inputs(source, (s) => runtime.setSecret(s), cliOptionLabel);
}

// src/cli/check.ts
var checkCommand = {
  name: "check",
  usage: `  nix-fleet check [--flake PATH] [--json] [--no-build] [--all-systems] [--keep-going false]
                  [--extra-args ARGS] [--nix-config LINES] [--report FILE]
      nix flake check over every host: names every broken host, each error at file:line.
      --json prints the report on stdout.`,
  options: {
    flake: { type: "string" },
    json: { type: "boolean" },
    "no-build": { type: "boolean" },
    "all-systems": { type: "boolean" },
    "keep-going": { type: "string" },
    "extra-args": { type: "string" },
    "nix-config": { type: "string" },
    report: { type: "string" }
  },
  async run(values, runtime, scratch) {
    const inputs = cliInputs({ ...values, "build-checks": values["no-build"] ? "false" : void 0 }, runtime);
    const options = readFlakeCheckOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, process.cwd());
    options.reportDir = scratch;
    if (typeof values.report === "string") options.reportPath = resolve7(values.report);
    const report = await runFlakeCheck(options, { runtime });
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.result === "failure") {
      runtime.info(`nix-fleet check failed: ${failureMessage2(report)}`);
      return 1;
    }
    return 0;
  }
};

// src/cli/scan.ts
import { resolve as resolve9 } from "node:path";

// src/actions/secret-scan/options.ts
import { tmpdir as tmpdir3 } from "node:os";
import { existsSync as existsSync3, readFileSync as readFileSync3, statSync as statSync2 } from "node:fs";
import { isAbsolute, resolve as resolve8 } from "node:path";

// src/scan/install.ts
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access as access2, constants, readFile as readFile5 } from "node:fs/promises";
import { basename, delimiter, join as join5 } from "node:path";

// src/scan/gitleaks.ts
import { readFile as readFile4 } from "node:fs/promises";

// src/scan/findings.ts
var ReportFormatError = class extends Error {
};
function str(value) {
  return typeof value === "string" ? value : "";
}
function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
function fingerprintOf(f) {
  return [f.commit, f.file, f.rule, String(f.line)].filter((p, i) => i > 0 || p).join(":");
}
function parseJsonReport(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ReportFormatError(`the gitleaks report is not JSON: ${error.message}`);
  }
  if (!Array.isArray(data)) throw new ReportFormatError("the gitleaks report is not a JSON array of findings");
  return data.map((raw, index) => {
    if (!raw || typeof raw !== "object") throw new ReportFormatError(`finding ${index} of the gitleaks report is not an object`);
    const r = raw;
    const partial = {
      rule: str(r.RuleID),
      description: str(r.Description),
      file: str(r.File),
      line: num(r.StartLine),
      endLine: num(r.EndLine),
      column: num(r.StartColumn),
      endColumn: num(r.EndColumn),
      commit: str(r.Commit),
      author: str(r.Author),
      email: str(r.Email),
      date: str(r.Date),
      tags: Array.isArray(r.Tags) ? r.Tags.filter((t) => typeof t === "string") : []
    };
    if (!partial.rule || !partial.file) throw new ReportFormatError(`finding ${index} of the gitleaks report has no RuleID or File`);
    const finding = { ...partial, fingerprint: str(r.Fingerprint) || fingerprintOf(partial) };
    if (typeof r.Entropy === "number" && r.Entropy > 0) finding.entropy = r.Entropy;
    return finding;
  });
}
var REDACTED = "REDACTED";
function toSarif(findings, toolVersion, file = (f) => f.file) {
  const rules = /* @__PURE__ */ new Map();
  for (const f of findings) if (!rules.has(f.rule)) rules.set(f.rule, f.description || f.rule);
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "gitleaks",
            .../^\d+\.\d+\.\d+$/.test(toolVersion) ? { semanticVersion: toolVersion } : {},
            informationUri: "https://github.com/gitleaks/gitleaks",
            rules: [...rules].map(([id, text]) => ({ id, shortDescription: { text } }))
          }
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          level: "error",
          message: { text: `${f.rule}: leaked in ${f.file} at commit ${f.commit} (the secret is redacted).` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: file(f) },
                region: {
                  startLine: Math.max(1, f.line),
                  ...f.column > 0 ? { startColumn: f.column } : {},
                  ...f.endLine >= f.line && f.endLine > 0 ? { endLine: f.endLine } : {},
                  ...f.endColumn > 0 ? { endColumn: f.endColumn } : {},
                  snippet: { text: REDACTED }
                }
              }
            }
          ],
          partialFingerprints: { commitSha: f.commit, gitleaksFingerprint: f.fingerprint },
          properties: { tags: f.tags, date: f.date }
        }))
      }
    ]
  };
}

// src/scan/gitleaks.ts
var LEAKS_EXIT_CODE = 42;
function parseVersion(text) {
  const m = /\bv?(\d+)\.(\d+)\.(\d+)\b/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : void 0;
}
function commandList(help) {
  return /Available Commands:\n([\s\S]*?)\n\n/.exec(help)?.[1] ?? "";
}
function hasScanCommand(help) {
  return /^\s+(git|detect)\s/m.test(commandList(help));
}
function chooseCommand(parts, help) {
  if (parts) return parts[0] > 8 || parts[0] === 8 && parts[1] >= 19 ? "git" : "detect";
  return /^\s+git\s/m.test(commandList(help)) ? "git" : "detect";
}
var GitleaksError = class extends CommandError {
};
var Gitleaks = class _Gitleaks {
  constructor(binary, version, reportedVersion) {
    this.binary = binary;
    this.version = version;
    this.reportedVersion = reportedVersion;
  }
  binary;
  version;
  reportedVersion;
  /** `knownVersion`: the release it was installed from, taken when the binary prints no version. */
  static async create(binary, knownVersion) {
    const probe = await exec(binary, ["version"]);
    const reported = parseVersion(probe.stdout);
    if (reported && reported[0] < 8) {
      throw new Error(`${binary} is gitleaks ${reported.join(".")}: version 8 or newer is needed. Set gitleaks-path to gitleaks 8, or gitleaks-version to have one installed.`);
    }
    const parts = reported ?? (knownVersion ? parseVersion(knownVersion) : void 0);
    const help = parts ? "" : (await exec(binary, ["--help"])).stdout;
    if (!parts && !hasScanCommand(help)) {
      throw new Error(`${binary} prints no version and its --help lists neither 'detect' nor 'git': it is not gitleaks 8 or newer.`);
    }
    const text = parts ? parts.join(".") : "unknown";
    return new _Gitleaks(binary, { text, parts, command: chooseCommand(parts, help) }, reported?.join("."));
  }
  exec(args, options = {}) {
    return exec(this.binary, args, options);
  }
  /** For the log and report: "gitleaks 8.24.3", or what is known of a build without a version. */
  get name() {
    return this.version.parts ? `gitleaks ${this.version.text}` : `gitleaks (version unknown, has \`${this.version.command}\`)`;
  }
  async scan(o) {
    const args = scanArgs(this.version.command, o);
    const env = o.gitDir ? { ...process.env, GIT_DIR: o.gitDir } : void 0;
    const result = await this.exec(args, { cwd: o.source, env, onStderrLine: o.onStderrLine });
    const command = [this.binary, ...args];
    if (result.exitCode !== 0 && result.exitCode !== LEAKS_EXIT_CODE) {
      throw new GitleaksError(command, result.exitCode, result.stderr, `failed with exit code ${result.exitCode}`);
    }
    let findings;
    try {
      findings = parseJsonReport(await readFile4(o.reportPath, "utf8"));
    } catch (error) {
      const why = error instanceof ReportFormatError ? error.message : `wrote no report (${error.message})`;
      throw new GitleaksError(command, result.exitCode, result.stderr, `exited with ${result.exitCode} but ${why}`);
    }
    if (result.exitCode === LEAKS_EXIT_CODE && !findings.length) {
      throw new GitleaksError(command, result.exitCode, result.stderr, "reported leaks but its report lists none");
    }
    if (result.exitCode === 0 && findings.length) {
      throw new GitleaksError(command, result.exitCode, result.stderr, `exited with 0 but its report lists ${findings.length} findings`);
    }
    const scanned = /(\d+) commits scanned/.exec(result.stderr)?.[1];
    return { findings, command, commitsScanned: scanned === void 0 ? void 0 : Number(scanned) };
  }
};
function scanArgs(command, o) {
  const common = [
    "--redact",
    "--no-banner",
    `--exit-code=${LEAKS_EXIT_CODE}`,
    "--report-format=json",
    `--report-path=${o.reportPath}`,
    // The = form: the value starts with '-' and must not be taken for a flag.
    `--log-opts=${o.logOpts}`,
    ...o.config ? [`--config=${o.config}`] : [],
    ...o.baseline ? [`--baseline-path=${o.baseline}`] : []
  ];
  return command === "git" ? ["git", ...common, o.source] : ["detect", `--source=${o.source}`, ...common];
}
function exec(binary, args, options = {}) {
  return run([binary, ...args], { ...options, env: { ...options.env ?? process.env, NO_COLOR: "1" } });
}

// src/scan/install.ts
var OFFICIAL_DOWNLOAD_URL = "https://github.com/gitleaks/gitleaks/releases/download";
var DEFAULT_GITLEAKS_VERSION = "8.24.3";
var PINNED_SHA256 = {
  "gitleaks_8.24.3_linux_x64.tar.gz": "9991e0b2903da4c8f6122b5c3186448b927a5da4deef1fe45271c3793f4ee29c",
  "gitleaks_8.24.3_linux_arm64.tar.gz": "5f2edbe1f49f7b920f9e06e90759947d3c5dfc16f752fb93aaafc17e9d14cf07",
  "gitleaks_8.24.3_darwin_x64.tar.gz": "41c44ae8ad1d6eef57d4526ad0fd67d8129eee9a856f55c2b3b9395fd3d9ec0f",
  "gitleaks_8.24.3_darwin_arm64.tar.gz": "b90f13bb8c90ab72083d9b0c842e39dafb82c0e5c3f872f407366b7a58909013"
};
var ARCHES = { x64: "x64", arm64: "arm64", ia32: "x32" };
function releaseAssets(base, version, arch = process.arch, platform = process.platform) {
  const goArch = ARCHES[arch];
  if (!goArch || platform !== "linux" && platform !== "darwin") {
    throw new Error(`gitleaks publishes no archive for ${platform}/${arch}. Install gitleaks yourself and set gitleaks-path.`);
  }
  const archive = `gitleaks_${version}_${platform}_${goArch}.tar.gz`;
  const dir = `${base.replace(/\/+$/, "")}/v${version}`;
  return { archive, archiveUrl: `${dir}/${archive}`, checksumsUrl: `${dir}/gitleaks_${version}_checksums.txt` };
}
function parseChecksums(text) {
  const sums = /* @__PURE__ */ new Map();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m) sums.set(basename(m[2]), m[1].toLowerCase());
  }
  return sums;
}
var ChecksumError = class extends Error {
};
async function sha256(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest("hex");
}
async function isExecutable(path) {
  try {
    await access2(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
async function findOnPath(name, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join5(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return void 0;
}
async function locateGitleaks(o, deps) {
  if (o.gitleaksPath) return { gitleaks: await Gitleaks.create(o.gitleaksPath), source: `gitleaks-path ${o.gitleaksPath}` };
  const onPath = await findOnPath("gitleaks");
  if (onPath) {
    const gitleaks2 = await Gitleaks.create(onPath);
    if (!o.gitleaksVersion || gitleaks2.version.text === o.gitleaksVersion) return { gitleaks: gitleaks2, source: `PATH (${onPath})` };
    deps.log.info(`gitleaks on PATH is version ${gitleaks2.version.text}, not ${o.gitleaksVersion}: installing ${o.gitleaksVersion}.`);
  }
  const version = o.gitleaksVersion ?? DEFAULT_GITLEAKS_VERSION;
  if (!deps.toolCache) throw new Error(`gitleaks is not installed. Install gitleaks ${version} (or newer) or give its path with --gitleaks-path.`);
  const installed = await installGitleaks(version, o, deps.toolCache, deps.log);
  const gitleaks = await Gitleaks.create(installed.binary, version);
  if (gitleaks.reportedVersion === void 0) {
    deps.log.warning(`the gitleaks installed as release ${version} prints no version of its own: taking it to be ${version}.`);
  } else if (gitleaks.reportedVersion !== version) {
    deps.log.warning(`the gitleaks installed as release ${version} says it is version ${gitleaks.reportedVersion}: using it as ${gitleaks.reportedVersion}.`);
  }
  return { gitleaks, source: installed.cached ? `tool cache (${installed.binary})` : `release archive ${version}` };
}
async function installGitleaks(version, o, cache, log) {
  const arch = process.arch;
  const cached = cache.find("gitleaks", version, arch);
  if (cached) {
    log.info(`gitleaks ${version} from the tool cache (${cached}).`);
    return { binary: join5(cached, "gitleaks"), cached: true };
  }
  const assets = releaseAssets(o.downloadUrl, version, arch);
  log.info(`Downloading gitleaks ${version}: ${assets.archiveUrl}`);
  const download = (url) => cache.download(url).catch((error) => {
    throw new Error(`could not download ${url}: ${error instanceof Error ? error.message : String(error)}`);
  });
  const known = o.gitleaksSha256 ? { sum: o.gitleaksSha256, from: "gitleaks-sha256" } : PINNED_SHA256[assets.archive] ? { sum: PINNED_SHA256[assets.archive], from: "the sum pinned for this release" } : void 0;
  let expected;
  const archive = await download(assets.archiveUrl);
  if (known) expected = known;
  else {
    const sum = parseChecksums(await readFile5(await download(assets.checksumsUrl), "utf8")).get(assets.archive);
    if (!sum) throw new ChecksumError(`${assets.checksumsUrl} lists no checksum for ${assets.archive}: refusing to install it.`);
    expected = { sum, from: assets.checksumsUrl };
  }
  const actual = await sha256(archive);
  if (actual !== expected.sum) {
    throw new ChecksumError(`checksum mismatch for ${assets.archiveUrl}: expected sha256 ${expected.sum} (from ${expected.from}), got ${actual}. Refusing to install it.`);
  }
  const dir = await cache.extractTar(archive);
  if (!await isExecutable(join5(dir, "gitleaks"))) throw new Error(`${assets.archive} holds no executable 'gitleaks'.`);
  const cachedDir = await cache.cacheDir(dir, "gitleaks", version, arch);
  log.info(`Installed gitleaks ${version} (sha256 ${actual} verified against ${expected.from}) into the tool cache.`);
  return { binary: join5(cachedDir, "gitleaks"), cached: false };
}

// src/scan/range.ts
function isSafeRevision(rev) {
  return rev.length > 0 && !rev.startsWith("-") && !/[\s\x00-\x1f\x7f]/.test(rev) && !rev.includes("..");
}
function parseRangeInput(value) {
  const expected = "Expected auto, all, unpublished, or A..B with two revisions (no spaces, not starting with '-')";
  if (value === "auto" || value === "all" || value === "unpublished") return { kind: value };
  const parts = value.split("..");
  if (parts.length !== 2 || value.includes("...")) return { error: `'${value}' is not a range. ${expected}.` };
  const [from = "", to = ""] = parts;
  for (const rev of [from, to]) {
    if (!isSafeRevision(rev)) return { error: `'${rev || "(empty)"}' in '${value}' is not a usable revision. ${expected}.` };
  }
  return { kind: "between", from, to };
}
function parsePublishedRef(value) {
  const expected = "Expected a ref of this clone (such as refs/remotes/mirror/main) or <git-url>#<branch>";
  const hash = value.lastIndexOf("#");
  if (hash >= 0) {
    const url = value.slice(0, hash);
    const branch = value.slice(hash + 1).replace(/^refs\/heads\//, "");
    if (!url || url.startsWith("-") || /\s/.test(url)) return { error: `'${displayUrl(url) || "(empty)"}' is not a git URL. ${expected}.` };
    if (!isSafeRevision(branch) || /[~^:?*[\\]/.test(branch) || branch.endsWith("/") || branch.endsWith(".lock")) {
      return { error: `'${branch || "(empty)"}' is not a branch name. ${expected}.` };
    }
    return { kind: "remote", url, branch };
  }
  if (looksLikeGitUrl(value)) return { error: `'${displayUrl(value)}' is a git URL without a branch: it needs #<branch>. ${expected}.` };
  if (!isSafeRevision(value)) return { error: `'${value}' is not a usable ref. ${expected}.` };
  return { kind: "local", ref: value };
}
var SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
function shortRef(ref) {
  return (ref ?? "").replace(/^refs\/(heads|tags)\//, "");
}
function planFromEvent(eventName, event) {
  const payload = event ?? {};
  if (eventName === "push") {
    const { before, after } = payload;
    const branch = shortRef(payload.ref);
    if (payload.deleted || after === ZERO_SHA) return { kind: "nothing", why: `push deleted ${branch || "a ref"}` };
    if (!after || !SHA.test(after)) throw new Error(`the push event has no 'after' commit (got '${after ?? ""}'). Expected a push payload with before and after.`);
    if (payload.created || !before || before === ZERO_SHA || !SHA.test(before)) {
      return { kind: "new-branch", tip: after, branch, why: `push created ${branch}` };
    }
    const forced = payload.forced === true;
    return { kind: "between", from: before, to: after, why: `${forced ? "force push" : "push"} to ${branch}`, push: { branch, forced } };
  }
  if (eventName === "pull_request" || eventName === "pull_request_target") {
    const base = payload.pull_request?.base?.sha;
    const head = payload.pull_request?.head?.sha;
    if (!base || !head || !SHA.test(base) || !SHA.test(head)) {
      throw new Error(`the ${eventName} event has no base and head commits. Expected pull_request.base.sha and pull_request.head.sha.`);
    }
    return { kind: "between", from: base, to: head, why: "pull request" };
  }
  if (!eventName) return { kind: "local", why: "not yet pushed upstream" };
  return { kind: "all", why: eventName === "workflow_dispatch" || eventName === "schedule" ? `${eventName}: the whole history` : `${eventName} event: the whole history` };
}
function planRange(input, eventName, event, published, tip = "HEAD") {
  switch (input.kind) {
    case "auto":
      return planFromEvent(eventName, event);
    case "all":
      return { kind: "all", why: "range all" };
    case "between":
      return { kind: "between", from: input.from, to: input.to, why: `range ${input.from}..${input.to}` };
    case "unpublished":
      if (!published) throw new Error("range unpublished needs published-ref");
      return { kind: "unpublished", tip, published, why: "not yet published" };
  }
}
function otherRefs(refs, branch) {
  return refs.filter((r) => {
    if (r.name === "HEAD" || r.name.endsWith("/HEAD")) return false;
    if (r.name.startsWith("refs/nix-fleet/")) return false;
    if (!branch) return true;
    if (r.name === `refs/heads/${branch}` || r.name === `refs/tags/${branch}`) return false;
    const remote = /^refs\/remotes\/[^/]+\/(.+)$/.exec(r.name);
    return !(remote && remote[1] === branch);
  });
}
function rangeSpec(range) {
  if (range.include === "all") return "--all";
  if (!range.include.length) return "";
  if (range.include.length === 1 && range.exclude.length === 1) return `${range.exclude[0]}..${range.include[0]}`;
  return [...range.include, ...range.exclude.map((x) => `^${x}`)].join(" ");
}
function logOpts(range) {
  if (range.include === "all") return [...DIFF_AS_TEXT, "--full-history", "--all"].join(" ");
  for (const rev of [...range.include, ...range.exclude]) {
    if (!SHA.test(rev)) throw new Error(`internal: '${rev}' is not a resolved commit`);
  }
  return [...DIFF_AS_TEXT, ...range.include, ...range.exclude.length ? ["--not", ...range.exclude] : []].join(" ");
}
var DIFF_AS_TEXT = ["--no-merges", "--text", "--no-textconv", "--no-ext-diff"];

// src/actions/secret-scan/options.ts
var LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i;
function existingFile(inputs, name, base, expected) {
  const value = inputs.optionalString(name);
  if (value === void 0) return void 0;
  const path = isAbsolute(value) ? value : resolve8(base, value);
  if (!existsSync3(path) || !statSync2(path).isFile()) throw inputs.error(name, `'${value}' is not a file (${path}). Expected ${expected}.`);
  return path;
}
function readEvent(env) {
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  const path = env.GITHUB_EVENT_PATH;
  if (!eventName || !path || !existsSync3(path)) return { eventName, event: {} };
  try {
    return { eventName, event: JSON.parse(readFileSync3(path, "utf8")) };
  } catch (error) {
    throw new Error(`the event payload ${path} is not JSON: ${error.message}`);
  }
}
function readSecretScanOptions(inputs, env, cwd = process.cwd(), paths = {}) {
  const workspace = env.GITHUB_WORKSPACE || cwd;
  const tempDir = paths.tempDir ?? resolve8(env.RUNNER_TEMP || tmpdir3(), "nix-fleet");
  const rangeText = inputs.string("range", "auto");
  const range = parseRangeInput(rangeText);
  if ("error" in range) throw inputs.error("range", range.error);
  const publishedText = inputs.optionalString("published-ref");
  const secrets = publishedText === void 0 ? [] : urlCredentials(publishedText);
  for (const secret of secrets) inputs.mask(secret);
  let published;
  if (publishedText !== void 0) {
    const parsed = parsePublishedRef(publishedText);
    if ("error" in parsed) throw inputs.error("published-ref", parsed.error);
    published = parsed;
  }
  if (published && range.kind !== "unpublished") {
    throw inputs.error("published-ref", `it only applies to range 'unpublished', not '${rangeText}'. Expected it empty, or range: unpublished.`);
  }
  if (range.kind === "unpublished" && !published) {
    throw inputs.error("published-ref", "it is required with range 'unpublished'. Expected a ref of this clone or <git-url>#<branch>.");
  }
  const gitleaksVersion = inputs.optionalString("gitleaks-version")?.replace(/^v/, "");
  if (gitleaksVersion !== void 0 && !/^\d+\.\d+\.\d+$/.test(gitleaksVersion)) {
    throw inputs.error("gitleaks-version", `'${gitleaksVersion}' is not a release version. Expected a version such as 8.24.3.`);
  }
  const downloadUrl = inputs.string("gitleaks-download-url", OFFICIAL_DOWNLOAD_URL);
  for (const secret of urlCredentials(downloadUrl)) inputs.mask(secret);
  const releases = "Expected the https base URL of gitleaks releases, holding v<version>/ folders";
  if (!/^https?:\/\/[^\s/]+/.test(downloadUrl)) throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is not an http(s) URL. ${releases}.`);
  if (urlCredentials(downloadUrl).length || /^[a-z]+:\/\/[^/]*@/i.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${displayUrl(downloadUrl)}' holds credentials, which would be logged with every download. ${releases}, readable without credentials.`);
  }
  if (!/^https:/i.test(downloadUrl) && !LOOPBACK.test(downloadUrl)) {
    throw inputs.error("gitleaks-download-url", `'${downloadUrl}' is plain http: anyone on the way could swap the archive. ${releases}.`);
  }
  const gitleaksSha256 = inputs.optionalString("gitleaks-sha256")?.toLowerCase();
  if (gitleaksSha256 !== void 0 && !/^[0-9a-f]{64}$/.test(gitleaksSha256)) {
    throw inputs.error("gitleaks-sha256", `'${gitleaksSha256}' is not a sha256. Expected 64 hex digits, the sha256 of the release archive for this runner.`);
  }
  const sarif = inputs.optionalString("sarif");
  const { eventName, event } = readEvent(env);
  return {
    range,
    rangeText,
    published,
    config: existingFile(inputs, "config", workspace, "the path of a gitleaks TOML config"),
    baseline: existingFile(inputs, "baseline", workspace, "the path of a gitleaks JSON report to use as baseline"),
    gitleaksPath: existingFile(inputs, "gitleaks-path", workspace, "the path of the gitleaks executable"),
    gitleaksVersion,
    downloadUrl,
    gitleaksSha256,
    failOnFindings: inputs.bool("fail-on-findings", true),
    sarifPath: sarif ? resolve8(workspace, sarif) : void 0,
    workspace,
    tempDir,
    eventName,
    event,
    secrets
  };
}

// src/actions/secret-scan/run.ts
import { existsSync as existsSync4 } from "node:fs";
import { mkdir as mkdir3, mkdtemp as mkdtemp3, readFile as readFile6, rm as rm2, writeFile as writeFile3 } from "node:fs/promises";
import { basename as basename2, dirname as dirname3, isAbsolute as isAbsolute2, join as join6, relative as relative2, sep as sep2 } from "node:path";

// src/scan/resolve-range.ts
var FIX = "Check out the whole history (actions/checkout with `fetch-depth: 0`) so the range can be scanned.";
var DEEPEN_STEPS = [50, 200, 1e3];
async function requireCommit(rev, label, git, log) {
  return new History(git, log).commit(rev, label);
}
async function resolveRange(plan, git, log) {
  const history = new History(git, log);
  switch (plan.kind) {
    case "nothing":
      return { include: [], exclude: [], why: plan.why };
    case "all":
      await history.complete("the whole history");
      return { include: "all", exclude: [], why: plan.why };
    case "local": {
      const head = await history.commit("HEAD", "HEAD");
      const upstream = await git.tryCommit("HEAD@{upstream}");
      if (!upstream) {
        await history.complete("the whole history");
        return { include: [head], exclude: [], why: "no upstream branch: the whole history of HEAD" };
      }
      return history.between(upstream, head, plan.why);
    }
    case "between": {
      const to = await history.commit(plan.to, plan.to);
      const from = await history.findOrDeepen(plan.from, to);
      if (from) {
        const forced = plan.push !== void 0 && !plan.push.forced && !await git.isAncestor(from, to);
        return history.between(from, to, forced ? `force ${plan.why}` : plan.why);
      }
      if (plan.push) {
        log.warning(`the commit before the push (${plan.from}) is not in this clone: scanning every commit of the push that no other ref reaches.`);
        return history.newBranch(to, plan.push.branch, `${plan.why} (previous commit unknown)`);
      }
      throw new Error(`'${plan.from}' is not a commit of this clone, even after fetching${history.fetchFailure()}. ${FIX}`);
    }
    case "new-branch": {
      const tip = await history.commit(plan.tip, plan.tip);
      return history.newBranch(tip, plan.branch, plan.why);
    }
    case "unpublished": {
      const tip = await history.commit(plan.tip, plan.tip);
      await history.complete("the history a mirror push would publish");
      const published = await publishedCommit(plan.published, git, log);
      return { include: [tip], exclude: published ? [published] : [], why: published ? plan.why : `${plan.why}: nothing published yet` };
    }
  }
}
async function publishedCommit(published, git, log) {
  if (published.kind === "local") {
    const sha2 = await git.tryCommit(published.ref);
    if (!sha2) {
      throw new Error(`published-ref '${published.ref}' is not a ref of this clone. Expected a fetched ref (such as refs/remotes/mirror/main) or <git-url>#<branch>.`);
    }
    return sha2;
  }
  const ref = `refs/heads/${published.branch}`;
  const access3 = remoteAccess(published.url);
  const remote = git.withEnv(access3.env);
  const sha = await remote.lsRemote(access3.url, ref);
  if (!sha) {
    log.info(`The published repository has no branch ${published.branch} yet: every commit is unpublished.`);
    return void 0;
  }
  if (!await git.tryCommit(sha)) await remote.fetchRefspecs(access3.url, [ref]);
  const fetched = await git.tryCommit(sha);
  if (!fetched) throw new Error(`fetched ${ref} from the published repository, but commit ${sha} is still missing.`);
  return fetched;
}
var History = class {
  constructor(git, log) {
    this.git = git;
    this.log = log;
  }
  git;
  log;
  shallow;
  remote = null;
  lastFetchFailure;
  async isShallow() {
    if (this.shallow === void 0 || this.shallow) this.shallow = await this.git.isShallow();
    return this.shallow;
  }
  async remoteName() {
    if (this.remote === null) {
      const remotes = await this.git.remotes();
      this.remote = remotes.includes("origin") ? "origin" : remotes[0];
    }
    return this.remote;
  }
  /** A revision that must exist (the tip being scanned). */
  async commit(rev, label) {
    const sha = await this.git.tryCommit(rev) ?? await this.fetchSha(rev);
    if (!sha) throw new Error(`${label} is not a commit of this clone${this.fetchFailure()}. ${FIX}`);
    return sha;
  }
  /** Why the last fetch failed, as a clause for an error message (empty when none did). */
  fetchFailure() {
    return this.lastFetchFailure ? ` (fetching it failed: ${this.lastFetchFailure})` : "";
  }
  /** A commit the clone lacks (another branch's PR head, a force-pushed old tip), by sha. */
  async fetchSha(rev) {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(rev)) return void 0;
    const remote = await this.remoteName();
    if (!remote) return void 0;
    this.log.info(`Fetching ${rev} from ${remote}.`);
    this.lastFetchFailure = await this.git.fetchOrWhy(remote, await this.isShallow() ? ["--depth=1"] : [], [rev]);
    if (this.lastFetchFailure) return void 0;
    this.shallow = void 0;
    return this.git.tryCommit(rev);
  }
  /** One more step of history from the remote; false when there is no more to get. */
  async deepen(step, what) {
    if (!await this.isShallow()) return false;
    const remote = await this.remoteName();
    if (!remote) throw new Error(`this clone is shallow, lacks part of ${what}, and has no remote to fetch it from. ${FIX}`);
    const depth = DEEPEN_STEPS[step];
    this.log.info(depth ? `Shallow clone: fetching ${depth} more commits of history from ${remote}.` : `Shallow clone: fetching the whole history from ${remote}.`);
    const failure = await this.git.fetchOrWhy(remote, depth ? [`--deepen=${depth}`] : ["--unshallow"]);
    if (failure) throw new Error(`this clone is shallow, lacks part of ${what}, and fetching more history from '${remote}' failed (${failure}). ${FIX}`);
    this.shallow = void 0;
    return true;
  }
  /** Makes the clone complete (unshallow): for ranges that reach back to the roots. */
  async complete(what) {
    if (await this.isShallow()) await this.deepen(DEEPEN_STEPS.length, what);
  }
  /** The commit `rev` names, deepening a shallow clone until it appears; undefined when it never does. */
  async findOrDeepen(rev, tip) {
    for (let step = 0; ; step++) {
      const sha = await this.git.tryCommit(rev);
      if (sha) return sha;
      if (!await this.isShallow()) return this.fetchSha(rev);
      await this.deepen(step, `the history between ${rev} and ${tip}`);
    }
  }
  /** Makes sure no commit of the range is a shallow boundary (whose parents are missing). */
  async ensureWhole(include, exclude, what) {
    for (let step = 0; await this.isShallow(); step++) {
      const boundary = await this.git.shallowBoundary();
      const commits = await this.git.revList(include, exclude);
      if (!commits.some((c) => boundary.has(c))) return;
      await this.deepen(step, what);
    }
  }
  async between(from, to, why) {
    await this.ensureWhole([to], [from], `${from}..${to}`);
    return { include: [to], exclude: [from], why };
  }
  async newBranch(tip, branch, why) {
    const others = [...new Set(otherRefs(await this.git.refs(), branch).map((r) => r.sha))];
    await this.ensureWhole([tip], others, `the commits of ${branch}`);
    const { commits, boundary } = await this.git.boundary(tip, others);
    if (!commits.length) return { include: [], exclude: [], why: `${why}: every commit is on another ref already` };
    return { include: [tip], exclude: boundary, why };
  }
};

// src/actions/secret-scan/run.ts
var ANSI2 = /\x1b\[[0-9;]*m/g;
async function runSecretScan(options, deps) {
  const { runtime } = deps;
  for (const secret of options.secrets) runtime.setSecret(secret);
  const started = Date.now();
  const log = { info: (m) => runtime.info(m), warning: (m) => runtime.warning(m) };
  const plan = planRange(options.range, options.eventName, options.event, options.published);
  const git = new GitHistory(options.workspace);
  const root = await git.tryToplevel();
  if (!root) throw new Error(`${options.workspace} is not a git work tree. Check the repository out (actions/checkout) before scanning it.`);
  const repo = new GitHistory(root);
  const range = await resolveRange(plan, repo, log);
  const spec = rangeSpec(range);
  const commits = (await repo.revList(range.include, range.exclude, { noMerges: true })).length;
  runtime.info(commits ? `Scanning ${commits} commits (${range.why}): ${spec}` : `No commits to scan (${range.why}).`);
  const { gitleaks, source } = await locateGitleaks(options, { toolCache: deps.toolCache, log });
  runtime.info(`Using ${gitleaks.name} from ${source}.`);
  await mkdir3(options.tempDir, { recursive: true });
  const scratch = await mkdtemp3(join6(options.tempDir, "gitleaks-"));
  let findings = [];
  let commitsScanned;
  let trust;
  try {
    trust = await trustedFiles(options, repo, root, join6(scratch, "trusted"), log);
    if (commits) {
      const scan = await runtime.group(
        "gitleaks output",
        () => gitleaks.scan({
          source: trust.source,
          gitDir: trust.gitDir,
          logOpts: logOpts(range),
          config: trust.config,
          baseline: trust.baseline,
          reportPath: join6(scratch, "report.json"),
          // The repository controls what gitleaks prints (a config's regex, file names).
          onStderrLine: (line) => runtime.untrusted(line.replace(ANSI2, ""))
        })
      );
      findings = scan.findings;
      commitsScanned = scan.commitsScanned;
      if (commitsScanned !== void 0) runtime.info(`gitleaks scanned ${commitsScanned} commits (${commits} expected).`);
    }
  } finally {
    await rm2(scratch, { recursive: true, force: true });
  }
  const workspacePath = (f) => {
    const rel = relative2(options.workspace, join6(root, f.file));
    return rel.startsWith("..") ? f.file : rel.split(sep2).join("/");
  };
  const report = {
    result: findings.length ? "findings" : "clean",
    range: spec,
    why: range.why,
    commits,
    ...commitsScanned === void 0 ? {} : { commitsScanned },
    findings: findings.map((f) => ({ ...f, path: workspacePath(f) })),
    gitleaks: { name: gitleaks.name, version: gitleaks.version.text, command: gitleaks.version.command, source },
    config: options.config,
    baseline: options.baseline,
    gitleaksIgnore: trust.ignoreFile,
    ...trust.base ? { trustedBase: trust.base, untrustedChanges: trust.changed } : {},
    seconds: Math.round((Date.now() - started) / 100) / 10
  };
  for (const f of report.findings) {
    runtime.annotate({
      level: "error",
      title: `secret found: ${f.rule}`,
      message: `${f.description || f.rule} in commit ${f.commit.slice(0, 12)} (${f.date}); the secret is redacted. Fingerprint for .gitleaksignore: ${f.fingerprint}`,
      file: f.path,
      line: f.line || void 0,
      column: f.column || void 0
    });
  }
  runtime.report(renderReport3(report));
  const reportDir = options.reportPath && options.sarifPath ? void 0 : await newStepDir(options.tempDir, "secret-scan");
  const reportPath = options.reportPath ?? join6(reportDir, "secret-scan-report.json");
  const sarifPath = options.sarifPath ?? join6(reportDir, "secret-scan.sarif");
  await writeJson(reportPath, report);
  await writeJson(sarifPath, toSarif(findings, gitleaks.version.text, workspacePath));
  runtime.setOutput("findings", String(findings.length));
  runtime.setOutput("range", spec);
  runtime.setOutput("commits", String(commits));
  runtime.setOutput("report", reportPath);
  runtime.setOutput("sarif", sarifPath);
  return report;
}
var PULL_REQUEST_EVENTS = /* @__PURE__ */ new Set(["pull_request", "pull_request_target"]);
async function trustedFiles(options, repo, root, dir, log) {
  if (!PULL_REQUEST_EVENTS.has(options.eventName)) {
    return { source: root, config: options.config, baseline: options.baseline, ignoreFile: existsSync4(join6(root, ".gitleaksignore")) };
  }
  const baseSha = options.event.pull_request?.base?.sha;
  if (typeof baseSha !== "string" || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(baseSha)) {
    throw new Error(`the ${options.eventName} event has no base commit. Expected pull_request.base.sha.`);
  }
  const base = await requireCommit(baseSha, "the pull request's base commit", repo, log);
  await mkdir3(dir, { recursive: true });
  const changed = [];
  const fromBase = async (rel, name) => {
    const content = await repo.tryShow(base, rel);
    const current = await readFile6(join6(root, rel), "utf8").catch(() => void 0);
    if (current !== content) changed.push(rel);
    if (content === void 0) return void 0;
    await writeFile3(join6(dir, name), content);
    return join6(dir, name);
  };
  const inRepo = (path) => {
    if (!path) return void 0;
    const rel = relative2(root, path);
    return rel && !rel.startsWith("..") && !isAbsolute2(rel) ? rel.split(sep2).join("/") : void 0;
  };
  await fromBase(".gitleaks.toml", ".gitleaks.toml");
  const ignoreFile = await fromBase(".gitleaksignore", ".gitleaksignore") !== void 0;
  const pick2 = async (path, name) => {
    const rel = inRepo(path);
    if (!rel) return path;
    const trusted = await fromBase(rel, `${name}-${basename2(rel)}`);
    if (!trusted) log.warning(`${rel} (input '${name}') is not in the pull request's base commit: scanning without it.`);
    return trusted;
  };
  const config = await pick2(options.config, "config");
  const baseline = await pick2(options.baseline, "baseline");
  if (changed.length) {
    log.warning(`this pull request changes ${changed.join(", ")}: the scan uses the base commit's version instead, so that a pull request cannot switch its own scan off.`);
  }
  return { source: dir, gitDir: await repo.gitDir(), config, baseline, ignoreFile, base, changed };
}
async function writeJson(path, data) {
  await mkdir3(dirname3(path), { recursive: true });
  await writeFile3(path, JSON.stringify(data, null, 2) + "\n");
}
function renderReport3(report) {
  const n = report.findings.length;
  const r = new Report(n ? `secret-scan: ${n} ${n === 1 ? "secret" : "secrets"} found` : "secret-scan: no secrets found");
  const what = report.commits ? `${report.commits} commits (${report.why}): \`${report.range}\`` : `no commits (${report.why})`;
  r.paragraph(`Scanned ${what} with ${report.gitleaks.name} in ${report.seconds} s.`);
  if (report.trustedBase) {
    const changed = report.untrustedChanges?.length ? ` This pull request's changes to ${report.untrustedChanges.join(", ")} were not used.` : "";
    r.paragraph(`Pull request: gitleaks' config and ignore files come from the base commit ${report.trustedBase.slice(0, 12)}.${changed}`);
  }
  if (n) {
    r.table(
      ["Rule", "Location", "Commit", "Author date"],
      report.findings.map((f) => [f.rule, `${f.path}:${f.line}`, f.commit.slice(0, 12), f.date])
    );
    r.paragraph(
      "Secrets are redacted here and in every report. Rotate each secret: it stays in the history of the commit that added it. A false positive is accepted by adding its fingerprint to .gitleaksignore:"
    );
    r.code("Fingerprints", report.findings.map((f) => f.fingerprint).join("\n"));
  }
  return r;
}
function failureMessage3(report) {
  const files = [...new Set(report.findings.map((f) => `${f.path}:${f.line}`))];
  const n = report.findings.length;
  return `${n} ${n === 1 ? "secret" : "secrets"} found in ${report.commits} commits (${report.range}): ${files.slice(0, 10).join(", ")}${files.length > 10 ? ", ..." : ""}`;
}

// src/cli/scan.ts
var scanCommand = {
  name: "scan",
  usage: `  nix-fleet scan [--range auto|all|unpublished|A..B] [--published-ref REF|URL#BRANCH] [--config FILE]
                 [--baseline FILE] [--gitleaks-path FILE] [--report FILE] [--sarif FILE] [--json]
      gitleaks over the commits that matter, every finding at file:line, the secret redacted.
      --range auto scans what is not yet pushed upstream (everything without an upstream).`,
  options: {
    range: { type: "string" },
    "published-ref": { type: "string" },
    config: { type: "string" },
    baseline: { type: "string" },
    "gitleaks-path": { type: "string" },
    sarif: { type: "string" },
    report: { type: "string" },
    json: { type: "boolean" }
  },
  async run(values, runtime, scratch) {
    const inputs = cliInputs(values, runtime);
    const env = { ...process.env, GITHUB_WORKSPACE: "", GITHUB_EVENT_NAME: "", GITHUB_EVENT_PATH: "", RUNNER_TEMP: "" };
    const options = readSecretScanOptions(inputs, env, process.cwd(), { tempDir: scratch });
    if (typeof values.report === "string") options.reportPath = resolve9(values.report);
    const report = await runSecretScan(options, { runtime });
    if (values.json) runtime.result(JSON.stringify(report, null, 2));
    if (report.findings.length) {
      runtime.info(`nix-fleet scan failed: ${failureMessage3(report)}`);
      return 1;
    }
    return 0;
  }
};

// src/cli/commands.ts
var COMMANDS = [checkCommand, scanCommand, planCommand, buildCommand];

// src/cli/main.ts
var USAGE = `nix-fleet: the nix-fleet-actions stages from a terminal

Usage:
${COMMANDS.map((c) => c.usage).join("\n")}

Every command takes --help and --verbose (show the folded detail: raw tool output).
Exit status: 0 success, 1 the stage failed, 2 bad usage.
`;
async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nix-fleet: unknown command '${name}'.

${USAGE}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}
`);
    return 0;
  }
  const runtime = new TerminalRuntime(void 0, rest.includes("--verbose"));
  const scratch = mkdtempSync(join7(tmpdir4(), `nix-fleet-${name}-`));
  try {
    const { values } = parseArgs({ args: rest, strict: true, options: { ...command.options, verbose: { type: "boolean" } } });
    return await command.run(values, runtime, scratch);
  } catch (error) {
    const usage = error instanceof InputError || String(error.code ?? "").startsWith("ERR_PARSE_ARGS");
    const message = `nix-fleet ${name}: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${insideRunner() ? neutralized(message) : message}
`);
    return usage ? 2 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
process.exitCode = await main(process.argv.slice(2));
export {
  main
};
