// Writes each action's input and output tables into README.md from its action.yml, between
// <!-- action:NAME --> and <!-- /action:NAME --> markers. `--check` only reports a stale README.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

const cell = (text) => String(text ?? "").replace(/\s+/g, " ").trim().replace(/\|/g, "\\|");

export function tables(meta) {
  const lines = ["| Input | Default | Description |", "| --- | --- | --- |"];
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
    const def = spec.default === undefined || spec.default === "" ? "" : `\`${cell(spec.default)}\``;
    lines.push(`| \`${name}\` | ${def} | ${cell(spec.description)} |`);
  }
  lines.push("", "| Output | Description |", "| --- | --- |");
  for (const [name, spec] of Object.entries(meta.outputs ?? {})) lines.push(`| \`${name}\` | ${cell(spec.description)} |`);
  return lines.join("\n");
}

const actions = [["gate", join(root, "action.yml")]];
for (const name of readdirSync(join(root, "actions")).sort()) actions.push([name, join(root, "actions", name, "action.yml")]);

const readmePath = join(root, "README.md");
let readme = readFileSync(readmePath, "utf8");
const missing = [];
for (const [name, file] of actions) {
  if (!existsSync(file)) continue;
  const start = `<!-- action:${name} -->`;
  const end = `<!-- /action:${name} -->`;
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) {
    missing.push(name);
    continue;
  }
  readme = `${readme.slice(0, a + start.length)}\n${tables(parse(readFileSync(file, "utf8")))}\n${readme.slice(b)}`;
}
if (missing.length) {
  console.error(`README.md has no <!-- action:NAME --> section for: ${missing.join(", ")}`);
  process.exit(1);
}
if (readme !== readFileSync(readmePath, "utf8")) {
  if (check) {
    console.error("README.md's action tables differ from action.yml: run `npm run docs` and commit README.md.");
    process.exit(1);
  }
  writeFileSync(readmePath, readme);
  console.log("updated README.md");
}
