#!/usr/bin/env node
import { createRequire as __nixFleetCreateRequire } from "node:module";
const require = __nixFleetCreateRequire(import.meta.url);

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
    const form = range.max === void 0 ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
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

// src/runner/report.ts
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
  const where2 = a.file ? `${a.file}${a.line ? `:${a.line}${a.column ? `:${a.column}` : ""}` : ""}: ` : "";
  const title = a.title ? `${a.title}: ` : "";
  return `${a.level}: ${where2}${title}${a.message}`;
}

// src/runner/terminal-runtime.ts
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
  print(text) {
    let shown = text;
    for (const s of this.secrets) shown = shown.split(s).join("***");
    this.write(shown.endsWith("\n") ? shown : `${shown}
`);
  }
  info(message) {
    if (this.depth === 0 || this.verbose) this.print(message);
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

// src/cli/check.ts
import { tmpdir } from "node:os";
import { join as join2, resolve as resolve2 } from "node:path";
import { parseArgs } from "node:util";

// src/actions/flake-check/options.ts
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
function localFlakeDir(flake, cwd) {
  const path = /^(?:path:|git\+file:(?:\/\/)?)(.*?)(?:\?.*)?$/.exec(flake)?.[1] ?? (/^[a-z][a-z0-9+.-]*:/i.test(flake) ? void 0 : flake);
  return path === void 0 ? void 0 : resolve(cwd, path || ".");
}
function validateFlake(inputs, input, flake, cwd) {
  if (flake.includes("#")) {
    throw inputs.error(input, `'${flake}' has a '#' fragment. Expected a flake reference without an output, such as '.' or './infra'.`);
  }
  const dir = localFlakeDir(flake, cwd);
  if (dir === void 0) return void 0;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw inputs.error(input, `'${flake}' is not a directory (${dir}). Expected the path of a directory holding flake.nix.`);
  }
  if (!existsSync(resolve(dir, "flake.nix"))) {
    throw inputs.error(input, `'${flake}' is not a flake: ${dir} has no flake.nix. Expected the path of a directory holding flake.nix.`);
  }
  return dir;
}
function readFlakeCheckOptions(inputs, env, cwd = process.cwd(), reportPath = resolve(env.RUNNER_TEMP || cwd, "nix-fleet", "flake-check-report.json")) {
  const flake = inputs.string("flake", ".");
  const workspace = env.GITHUB_WORKSPACE || cwd;
  const options = {
    flake,
    ref: flake,
    allSystems: inputs.bool("all-systems", false),
    buildChecks: inputs.bool("build-checks", true),
    keepGoing: inputs.bool("keep-going", true),
    extraArgs: inputs.args("extra-args"),
    nixConfig: inputs.optionalString("nix-config"),
    workspace,
    reportPath
  };
  const dir = validateFlake(inputs, "flake", flake, cwd);
  if (dir) {
    options.localDir = dir;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(flake)) options.ref = dir;
  }
  return options;
}

// src/actions/flake-check/run.ts
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

// src/fleet/hosts.ts
function attrName(name) {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : JSON.stringify(name);
}
function hostInstallable(flake, host, attribute3) {
  return `${flake}#nixosConfigurations.${attrName(host)}.${attribute3}`;
}
function listHosts(nix, flake) {
  return nix.evalJson(`${flake}#nixosConfigurations`, { apply: "builtins.attrNames" });
}
async function evalHostToplevel(nix, flake, host) {
  return nix.evalJson(hostInstallable(flake, host, "config.system.build.toplevel"), {
    apply: "t: { drv = t.drvPath; out = t.outPath; system = t.system; }",
    noEvalCache: true
  });
}

// src/process/run.ts
import { spawn } from "node:child_process";
var TAIL_LINES = 30;
function tail(text, lines = TAIL_LINES) {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}
var CommandError = class extends Error {
  constructor(command, exitCode, stderr, reason) {
    const shown = command.map(quoteForDisplay).join(" ");
    const why = reason ?? `exited with code ${exitCode}`;
    const detail = tail(stderr);
    super(`${shown} ${why}${detail ? `:
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
  return new Promise((resolve3, reject) => {
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
    child.stderr?.on("data", (chunk) => {
      err.push(chunk);
      if (options.onStderrLine) {
        pending += chunk.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) options.onStderrLine(line);
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
      resolve3({ command, exitCode: code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
  });
}

// src/git/git.ts
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
  async checked(args) {
    const result = await this.exec(args);
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
    return result.stdout;
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

// src/nix/errors.ts
var START = /^error(?: \(ignored\))?:(?: error:)?(.*)$/;
var AT = /^at (.+?):(\d+):(\d+):?$/;
var FRAME = /^… (.*)$/;
var SNIPPET = /^\s*(\d+)?\|/;
var INNER = /^error: (.*)$/;
var TRUNCATED = /^\(stack trace truncated/;
var REPEATS = [
  /^some errors were encountered during the evaluation$/,
  /^\d+ dependenc(?:y|ies) of derivation '.*' failed to build$/,
  /^build of .* failed$/
];
function parseNixErrors(stderr) {
  const blocks = [];
  let current;
  for (const line of stderr.replace(/\r/g, "").split("\n")) {
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
function dedent(lines) {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
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
  for (const raw of dedent(rest)) {
    const line = raw.trim();
    if (!line || SNIPPET.test(raw) || TRUNCATED.test(line)) continue;
    const frame = FRAME.exec(line);
    const inner = INNER.exec(line);
    if (frame) {
      trace.push({ text: frame[1] ?? "" });
      inFrame = true;
    } else if (inner) {
      message = [inner[1] ?? ""];
      position = void 0;
      inFrame = false;
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
  const error = { message: message.join("\n").trim(), trace, ignored };
  if (position) error.position = position;
  attribute(error);
  return error;
}
function unquote(name) {
  return name.replace(/^"(.*)"$/, "$1");
}
function attribute(error) {
  for (const frame of error.trace) {
    const host = /while checking the NixOS configuration '(?:nixosConfigurations\.)?(.+)'/.exec(frame.text);
    if (host?.[1]) error.host ??= unquote(host[1]);
    const evaluating = /while evaluating the attribute '(?:outputs\.)?nixosConfigurations\.("[^"]+"|[^.']+)/.exec(frame.text);
    if (evaluating?.[1]) error.host ??= unquote(evaluating[1]);
    const drv = /while checking the derivation '([^']+)'/.exec(frame.text);
    if (drv?.[1]) error.output ??= drv[1];
    const output = /while checking flake output '([^']+)'/.exec(frame.text);
    if (output?.[1]) error.output ??= output[1];
  }
  const built = /(?:builder for|Cannot build) '([^']+\.drv)'/.exec(error.message);
  if (built?.[1]) error.derivation = built[1];
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
    storeInfo: atLeast(v, 2, 19)
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
    if (first) this.message = `${result.command.slice(0, 3).join(" ")} failed: ${first.message}`;
  }
};
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
function composeNixConfig(callerConfig, extraConfig) {
  const parts = [callerConfig?.trimEnd(), "extra-experimental-features = nix-command flakes", extraConfig?.trimEnd()];
  return parts.filter((p) => !!p).join("\n");
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
    const env = { ...base, NIX_CONFIG: composeNixConfig(base.NIX_CONFIG, options.extraConfig) };
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
  /** Runs nix with these arguments; resolves with any exit code. `extraEnv` adds to the run's environment (NIX_SSHOPTS). */
  exec(args, options = {}) {
    const { extraEnv, ...rest } = options;
    return run([this.binary, ...args], { ...rest, env: extraEnv ? { ...this.env, ...extraEnv } : this.env });
  }
  async checked(args, options = {}) {
    const result = await this.exec(args, options);
    if (result.exitCode !== 0) throw new NixCommandError(result);
    return result;
  }
  async evalJson(installable, options = {}) {
    const args = ["eval", "--json", "--show-trace", installable];
    if (options.apply) args.push("--apply", options.apply);
    if (options.noEvalCache) args.push("--no-eval-cache");
    const result = await this.checked(args);
    return JSON.parse(result.stdout);
  }
  async evalRaw(installable) {
    const result = await this.checked(["eval", "--raw", "--show-trace", installable]);
    return result.stdout;
  }
  /** `nix build --json --no-link`: the one form that prints out paths on every version. */
  async build(installables, extraArgs = [], options = {}) {
    const result = await this.checked(["build", "--json", "--no-link", ...extraArgs, ...installables], options);
    return JSON.parse(result.stdout);
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
    await this.checked(["copy", "--to", storeUri, ...paths], options);
  }
  /** The store path of the flake's source tree, as it appears in error positions. */
  async flakeSourcePath(flake) {
    const result = await this.checked(["flake", "metadata", "--json", flake]);
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

// src/actions/flake-check/analyze.ts
import { existsSync as existsSync2 } from "node:fs";
import { join, relative, sep } from "node:path";
var ANY_SOURCE = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-source\/(.+)$/;
function toWorkspacePath(file, map) {
  if (!map.root) return void 0;
  let inSource;
  if (map.storePath) {
    if (file.startsWith(`${map.storePath}/`)) inSource = file.slice(map.storePath.length + 1);
  } else {
    const m = ANY_SOURCE.exec(file);
    if (m?.[1] && existsSync2(join(map.root, m[1]))) inSource = m[1];
  }
  if (inSource === void 0) return void 0;
  const onDisk = join(map.root, inSource);
  const rel = relative(map.workspace, onDisk);
  return rel.startsWith("..") ? onDisk : rel.split(sep).join("/");
}
function locate(error, map) {
  const candidates = [error.position, ...error.trace.map((f) => f.position)];
  for (const pos of candidates) {
    const file = pos && toWorkspacePath(pos.file, map);
    if (pos && file) return explainUntracked({ message: error.message, file, line: pos.line, column: pos.column }, map);
  }
  return explainUntracked({ message: error.message }, map);
}
function attribute2(errors, checkNames2 = /* @__PURE__ */ new Map()) {
  const result = { byHost: /* @__PURE__ */ new Map(), byOutput: /* @__PURE__ */ new Map(), unattributed: [] };
  const add = (map, key, e) => map.set(key, [...map.get(key) ?? [], e]);
  for (const e of errors) {
    if (e.host) add(result.byHost, e.host, e);
    else if (e.output && e.output !== "nixosConfigurations") add(result.byOutput, e.output, e);
    else if (e.derivation) add(result.byOutput, checkNames2.get(e.derivation) ?? `build of ${e.derivation}`, e);
    else result.unattributed.push(e);
  }
  return result;
}
function explainUntracked(error, map) {
  const m = /getting status of '\/nix\/store\/[0-9a-z]{32}-source\/([^']+)': No such file or directory/.exec(error.message);
  if (!m?.[1] || !map.root || !existsSync2(join(map.root, m[1]))) return error;
  const hint = `${m[1]} exists in the work tree but git does not track it, and Nix only sees tracked files of a git flake: git add it.`;
  return { ...error, message: `${error.message}
${hint}` };
}

// src/actions/flake-check/run.ts
var HOST_EVAL_CONCURRENCY = 4;
function errorsOf(e) {
  if (e instanceof NixCommandError && e.errors.length) return e.errors;
  return [{ message: e instanceof Error ? e.message : String(e), trace: [], ignored: false }];
}
async function checkNames(nix, flake) {
  const apply = "cs: builtins.mapAttrs (s: v: builtins.mapAttrs (n: c: let r = builtins.tryEval c.drvPath; in if r.success then r.value else null) v) cs";
  const names = /* @__PURE__ */ new Map();
  try {
    const checks = await nix.evalJson(`${flake}#checks`, { apply });
    for (const [system, byName] of Object.entries(checks)) {
      for (const [name, drv] of Object.entries(byName)) if (drv) names.set(drv, `checks.${system}.${name}`);
    }
  } catch {
  }
  return names;
}
async function runFlakeCheck(options, deps) {
  const { runtime } = deps;
  const started = Date.now();
  const nix = deps.nix ?? await Nix.create({ extraConfig: options.nixConfig });
  runtime.info(`Checking flake '${options.flake}' with ${nix.version.text}`);
  if (options.allSystems && !nix.features.flakeCheckAllSystems) {
    runtime.info(`${nix.version.text} has no --all-systems: it checks every system anyway.`);
  }
  const map = { workspace: options.workspace };
  const flakeErrors = [];
  let hosts = [];
  const hostResults = /* @__PURE__ */ new Map();
  const outputs = [];
  {
    const [root, storePath, listed, check] = await Promise.all([
      options.localDir && !options.flake.startsWith("path:") ? new Git(options.localDir).tryToplevel() : void 0,
      // Fails when flake.nix does not parse or cannot be fetched; the check says which.
      nix.flakeSourcePath(options.ref).catch(() => void 0),
      listHosts(nix, options.ref).then(
        (names) => ({ names, error: void 0 }),
        (error) => ({ names: [], error })
      ),
      runtime.group(
        "nix flake check output",
        () => nix.flakeCheck(options.ref, {
          keepGoing: options.keepGoing,
          build: options.buildChecks,
          allSystems: options.allSystems,
          extraArgs: options.extraArgs,
          onStderrLine: (line) => runtime.info(line)
        })
      )
    ]);
    map.root = root || options.localDir;
    map.storePath = storePath;
    hosts = listed.names;
    for (const host of hosts) hostResults.set(host, { host, status: check.exitCode === 0 ? "ok" : "unknown", errors: [] });
    if (check.exitCode !== 0) {
      const errors = parseNixErrors(check.stderr);
      const names = errors.some((e) => e.derivation) ? await checkNames(nix, options.ref) : /* @__PURE__ */ new Map();
      const found = attribute2(errors, names);
      for (const [host, errs] of found.byHost) {
        hostResults.set(host, { host, status: "broken", errors: errs.map((e) => locate(e, map)) });
      }
      for (const [output, errs] of found.byOutput) outputs.push({ output, errors: errs.map((e) => locate(e, map)) });
      const unexplained = errors.length ? found.unattributed : [{ message: tail(check.stderr) || `nix flake check exited with code ${check.exitCode}`, trace: [], ignored: false }];
      if (!options.keepGoing) {
        runtime.info("keep-going is off: Nix stopped at the first error, so hosts after it were not checked.");
      } else if (unexplained.length) {
        const pending = hosts.filter((h) => hostResults.get(h)?.status !== "broken");
        if (pending.length) {
          runtime.info(`The check did not say which hosts broke: evaluating ${pending.length} hosts one by one.`);
          for (const result of await evaluateHostsOneByOne(nix, options.ref, pending, map, runtime)) hostResults.set(result.host, result);
        }
      } else {
        for (const h of hostResults.values()) if (h.status === "unknown") h.status = "ok";
      }
      const anyBroken = [...hostResults.values()].some((h) => h.status === "broken");
      flakeErrors.push(...unexplained.filter((e) => !(e.output === "nixosConfigurations" && anyBroken)));
      if (listed.error && !hosts.length) flakeErrors.push(...errorsOf(listed.error).filter((e) => !errors.some((x) => x.message === e.message)));
    }
  }
  if (flakeErrors.length) {
    outputs.unshift({ output: "flake", errors: dedupe(flakeErrors).map((e) => locate(e, map)) });
  }
  const hostList = [...hostResults.values()].sort((a, b) => a.host.localeCompare(b.host));
  const brokenHosts = hostList.filter((h) => h.status === "broken").map((h) => h.host);
  const report = {
    flake: options.flake,
    result: brokenHosts.length || outputs.length ? "failure" : "success",
    nixVersion: nix.version.text,
    hosts: hostList,
    brokenHosts,
    outputs,
    seconds: Math.round((Date.now() - started) / 100) / 10
  };
  annotate(runtime, report);
  runtime.report(renderReport(report));
  await mkdir(dirname(options.reportPath), { recursive: true });
  await writeFile(options.reportPath, JSON.stringify(report, null, 2) + "\n");
  runtime.setOutput("result", report.result);
  runtime.setOutput("broken-hosts", JSON.stringify(brokenHosts));
  runtime.setOutput("report", options.reportPath);
  return report;
}
async function evaluateHostsOneByOne(nix, flake, hosts, map, runtime) {
  return mapConcurrent(hosts, HOST_EVAL_CONCURRENCY, async (host) => {
    const t0 = Date.now();
    const seconds = () => ((Date.now() - t0) / 1e3).toFixed(1);
    try {
      await evalHostToplevel(nix, flake, host);
      runtime.info(`  ${host}: ok (${seconds()} s)`);
      return { host, status: "ok", errors: [] };
    } catch (e) {
      runtime.info(`  ${host}: broken (${seconds()} s)`);
      return { host, status: "broken", errors: errorsOf(e).map((x) => locate(x, map)) };
    }
  });
}
function dedupe(errors) {
  const seen = /* @__PURE__ */ new Set();
  return errors.filter((e) => !seen.has(e.message) && seen.add(e.message));
}
function headline(text) {
  const line = text.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return line.length > 140 ? `${line.slice(0, 139)}\u2026` : line;
}
function where(e) {
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
function renderReport(report) {
  const r = new Report(`flake-check: ${report.result === "success" ? "all hosts good" : "failed"}`);
  const broken = report.brokenHosts.length;
  r.paragraph(
    `${report.hosts.length} hosts checked in ${report.seconds} s with ${report.nixVersion}: ${report.hosts.length - broken} good, ${broken} broken.`
  );
  if (report.hosts.length) {
    r.table(
      ["Host", "Status", "Error", "Location"],
      report.hosts.map((h) => {
        const e = h.errors[0];
        const status = h.status === "ok" ? "\u2705 ok" : h.status === "broken" ? "\u274C broken" : "\u2754 not checked";
        const more = h.errors.length > 1 ? ` (+${h.errors.length - 1} more)` : "";
        return [h.host, status, e ? headline(e.message) + more : "", e ? where(e) : ""];
      })
    );
  }
  if (report.outputs.length) {
    r.heading("Other errors");
    r.table(
      ["Output", "Error", "Location"],
      report.outputs.flatMap((o) => o.errors.map((e) => [o.output, headline(e.message), where(e)]))
    );
  }
  const full = [...report.hosts.map((h) => [h.host, h.errors]), ...report.outputs.map((o) => [o.output, o.errors])];
  for (const [name, errors] of full) {
    for (const e of errors) if (e.message.includes("\n")) r.code(`${name}: ${where(e) || "error"}`, e.message);
  }
  return r;
}
function failureMessage(report) {
  const parts = [];
  if (report.brokenHosts.length) {
    parts.push(`${report.brokenHosts.length} of ${report.hosts.length} hosts are broken: ${report.brokenHosts.join(", ")}`);
  }
  const flake = report.outputs.find((o) => o.output === "flake");
  if (flake) parts.push(`the flake did not evaluate: ${headline(flake.errors[0]?.message ?? "")}`);
  const others = report.outputs.filter((o) => o.output !== "flake").map((o) => o.output);
  if (others.length) parts.push(`failed: ${others.join(", ")}`);
  return parts.join("; ");
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
  usage: `  nix-fleet check [--flake PATH] [--json] [--no-build] [--all-systems] [--report FILE]
      nix flake check over every host: names every broken host, each error at file:line.
      --json prints the report on stdout.`,
  async run(argv, runtime) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        flake: { type: "string" },
        json: { type: "boolean" },
        "no-build": { type: "boolean" },
        "all-systems": { type: "boolean" },
        "keep-going": { type: "string" },
        "extra-args": { type: "string" },
        "nix-config": { type: "string" },
        report: { type: "string" },
        verbose: { type: "boolean" }
      }
    });
    const inputs = cliInputs({ ...values, "build-checks": values["no-build"] ? "false" : void 0 }, runtime);
    const reportPath = values.report ? resolve2(values.report) : join2(tmpdir(), `nix-fleet-check-${process.pid}.json`);
    const options = readFlakeCheckOptions(inputs, { ...process.env, GITHUB_WORKSPACE: "" }, process.cwd(), reportPath);
    const report = await runFlakeCheck(options, { runtime });
    if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    if (report.result === "failure") {
      runtime.info(`nix-fleet check failed: ${failureMessage(report)}`);
      return 1;
    }
    return 0;
  }
};

// src/cli/main.ts
var COMMANDS = [checkCommand];
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
  try {
    return await command.run(rest, runtime);
  } catch (error) {
    const usage = error instanceof InputError || String(error.code ?? "").startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`nix-fleet ${name}: ${error instanceof Error ? error.message : String(error)}
`);
    return usage ? 2 : 1;
  }
}
process.exitCode = await main(process.argv.slice(2));
export {
  main
};
