import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** A bad input value, found before anything was done. The message names the input and the expected form. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string,
    /** How the user named it: "input 'flake'" on a runner, "option --flake" in the CLI. */
    label = `input '${input}'`,
  ) {
    super(`Invalid ${label}: ${message}`);
    this.name = "InputError";
  }
}

export type InputLabel = (name: string) => string;
export const actionInputLabel: InputLabel = (name) => `input '${name}'`;
export const cliOptionLabel: InputLabel = (name) => `option --${name}`;

export type InputSource = (name: string) => string | undefined;

/** How a runner passes inputs: INPUT_<NAME>, upper-cased, spaces to underscores, dashes kept. */
export function envInputSource(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`];
}

const TRUE = new Set(["true", "True", "TRUE"]);
const FALSE = new Set(["false", "False", "FALSE"]);

/**
 * Typed getters over the raw inputs. An empty value means "not given", as on both runners
 * (action.yml defaults arrive as values). Every getter validates and throws InputError.
 */
export class Inputs {
  constructor(
    private readonly source: InputSource,
    /** Masks a value in every later log line (core.setSecret); also for secrets inside an input. */
    readonly mask: (secret: string) => void = () => undefined,
    readonly label: InputLabel = actionInputLabel,
  ) {}

  /** An InputError for this input, worded for where the value came from. */
  error(name: string, message: string): InputError {
    return new InputError(name, message, this.label(name));
  }

  private raw(name: string): string | undefined {
    const value = this.source(name)?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  /** The path of a file that must exist, relative to `base` unless absolute; undefined when not given. */
  existingFile(name: string, base: string, expected: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const path = isAbsolute(value) ? value : resolve(base, value);
    if (!existsSync(path) || !statSync(path).isFile()) throw this.error(name, `'${value}' is not a file (${path}). Expected ${expected}.`);
    return path;
  }

  required(name: string, expected: string): string {
    const value = this.raw(name);
    if (value === undefined) throw this.error(name, `it is required. Expected ${expected}.`);
    return value;
  }

  /** A secret is masked in the log before anything else can print it. Not trimmed: keys need their newlines. */
  secret(name: string): string | undefined {
    const value = this.source(name);
    if (!value || !value.trim()) return undefined;
    this.mask(value);
    for (const line of value.split("\n")) if (line.trim().length >= 4) this.mask(line.trim());
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    throw this.error(name, `'${value}' is not a boolean. Expected true or false.`);
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    const form =
      range.max === undefined
        ? range.min === undefined
          ? "a whole number"
          : `a whole number of at least ${min}`
        : `a whole number from ${min} to ${max}`;
    if (!/^-?\d+$/.test(value)) throw this.error(name, `'${value}' is not a whole number. Expected ${form}.`);
    const n = Number(value);
    if (n < min || n > max) throw this.error(name, `${value} is out of range. Expected ${form}.`);
    return n;
  }

  /** Newline- or comma-separated, blanks dropped. */
  list(name: string): string[] {
    const value = this.raw(name);
    return value === undefined ? [] : splitList(value);
  }

  /** Extra command-line arguments, split like a shell would split words (but never run by one). */
  args(name: string): string[] {
    try {
      return splitArgs(this.raw(name));
    } catch (e) {
      throw this.error(name, (e as Error).message);
    }
  }

  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw this.error(name, `'${value}' is not allowed. Expected one of: ${choices.join(", ")}.`);
  }
}

export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Extra arguments for a CLI, given as one string: split on whitespace, with single or double quotes
 * grouping words. Parsed here, never handed to a shell.
 */
export function splitArgs(value: string | undefined): string[] {
  if (!value) return [];
  const args: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
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
