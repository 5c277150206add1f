import { randomBytes } from "node:crypto";

/**
 * Text the runner must not read commands from: when a line could be one, the text goes between
 * `::stop-commands::<token>` and `::<token>::`, with a token nobody can guess (both runners).
 */
export function neutralized(text: string): string {
  // `::cmd::` at a line's start, and the older `##[cmd]` form runners still read.
  if (!/^\s*::|##\[/m.test(text)) return text;
  const token = randomBytes(16).toString("hex");
  return `::stop-commands::${token}\n${text}\n::${token}::`;
}
