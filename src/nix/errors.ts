/**
 * Parses the errors Nix prints on stderr. Written against real output of Nix 2.8 with
 * --show-trace (and --keep-going, which prefixes each with "error (ignored):"); the shapes
 * newer Nix prints are handled where they differ.
 */

export interface SourcePosition {
  /** As Nix printed it, e.g. /nix/store/<hash>-source/hosts/web.nix */
  file: string;
  line: number;
  column: number;
}

export interface TraceFrame {
  text: string;
  position?: SourcePosition;
}

export interface NixError {
  message: string;
  /** Where the error itself points; a plain `throw` often has none. */
  position?: SourcePosition;
  /** The "… while ..." frames, innermost first (2.8 prints them so; 2.18+ the other way round). */
  trace: TraceFrame[];
  /** The nixosConfigurations attribute being checked when it happened. */
  host?: string;
  /** Another flake output being checked, e.g. checks.x86_64-linux.fmt or nixosConfigurations. */
  output?: string;
  /** A derivation whose build failed. */
  derivation?: string;
  /** Under --keep-going Nix reports an error and goes on ("error (ignored):"). */
  ignored: boolean;
}

const START = /^error(?: \(ignored\))?:(?: error:)?(.*)$/;
const AT = /^at (.+?):(\d+):(\d+):?$/;
const FRAME = /^… (.*)$/;
const SNIPPET = /^\s*(\d+)?\|/;
const INNER = /^error:(?:\s+(.*))?$/;
/** Colour codes, which Lix and newer Nix print when FORCE_COLOR/CLICOLOR_FORCE is set. */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const TRUNCATED = /^\(stack trace truncated/;

/** Summaries that repeat what the errors before them already said. */
const REPEATS = [/^some errors were encountered during the evaluation$/, /^build of .* failed$/];

export function parseNixErrors(stderr: string): NixError[] {
  const blocks: { first: string; ignored: boolean; rest: string[] }[] = [];
  let current: (typeof blocks)[number] | undefined;
  for (const line of stderr.replace(ANSI, "").replace(/\r/g, "").split("\n")) {
    const start = START.exec(line);
    if (start) {
      current = { first: (start[1] ?? "").trim(), ignored: line.startsWith("error (ignored)"), rest: [] };
      blocks.push(current);
    } else if (current && (line === "" || /^\s/.test(line))) {
      current.rest.push(line);
    } else {
      // A line at column 0 that is not an error (a warning, progress) ends the block.
      current = undefined;
    }
  }
  return blocks
    .map((b) => parseBlock(b.first, b.rest, b.ignored))
    .filter((e) => !REPEATS.some((re) => re.test(e.message)));
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}

function parsePosition(text: string): SourcePosition | undefined {
  const m = AT.exec(text);
  if (!m || !m[1]) return undefined;
  // «string», «none», «stdin»: positions with no file behind them.
  if (m[1].startsWith("«")) return undefined;
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

function parseBlock(first: string, rest: string[], ignored: boolean): NixError {
  let message: string[] = first ? [first] : [];
  let position: SourcePosition | undefined;
  const trace: TraceFrame[] = [];
  // Where text and positions go: the message, or the last frame. Nix 2.8 prints the message first
  // and the frames after it; Nix 2.18+ prints the frames first and "error: <message>" last.
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
      position = undefined;
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
  // Always innermost first, whichever order this Nix printed them in.
  if (framesFirst) trace.reverse();
  const error: NixError = { message: message.join("\n").trim(), trace, ignored };
  if (position) error.position = position;
  attributeFrames(error);
  return error;
}

function unquote(name: string): string {
  return name.replace(/^"(.*)"$/, "$1");
}

function attributeFrames(error: NixError): void {
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
  // "N dependencies of derivation 'D' failed to build" is the only line naming D (a check, say)
  // when what failed was one of its inputs.
  const built = /(?:builder for|Cannot build|dependenc(?:y|ies) of derivation) '([^']+\.drv)'/.exec(error.message);
  if (built?.[1]) error.derivation = built[1];
}

/**
 * The systems whose outputs `nix flake check` skipped (Nix 2.16+, without --all-systems):
 * "warning: The check omitted these incompatible systems: aarch64-linux, x86_64-darwin".
 */
export function omittedSystems(stderr: string): string[] {
  const found = /The check omitted these incompatible systems: ([^\n]+)/.exec(stderr.replace(ANSI, ""));
  return found?.[1] ? found[1].split(",").map((s) => s.trim()).filter(Boolean) : [];
}
