// Bundles every action into actions/<name>/dist/ (main.js, and post.js where it has one), the gate
// (the root action.yml) into dist/gate/, and the CLI into dist/nix-fleet.js. The bundles are committed; test/unit/bundles.test.ts checks that they
// equal a fresh build. `--check` builds into memory and lists bundles that differ.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

// ESM bundles still contain CommonJS dependencies that call require() and read __dirname at
// load time (ssh2's key parser, through its crypto helpers): give them both.
const banner = [
  'import { createRequire as __nixFleetCreateRequire } from "node:module";',
  'import { dirname as __nixFleetDirname } from "node:path";',
  'import { fileURLToPath as __nixFleetFileURLToPath } from "node:url";',
  "const require = __nixFleetCreateRequire(import.meta.url);",
  "const __filename = __nixFleetFileURLToPath(import.meta.url);",
  "const __dirname = __nixFleetDirname(__filename);",
].join("\n");

/** [source entry, bundle path] for every action entry and the CLI. */
export function entries() {
  const list = [];
  const actions = join(root, "src", "actions");
  for (const name of readdirSync(actions).sort()) {
    for (const step of ["main", "post"]) {
      const source = join(actions, name, `${step}.ts`);
      // The gate is the repository's root action: its bundles live in dist/gate/.
      const target = name === "gate" ? join(root, "dist", "gate", `${step}.js`) : join(root, "actions", name, "dist", `${step}.js`);
      if (existsSync(source)) list.push([source, target]);
    }
  }
  list.push([join(root, "src", "cli", "main.ts"), join(root, "dist", "nix-fleet.js")]);
  return list;
}

async function bundle(source, cli) {
  const result = await build({
    entryPoints: [source],
    // Paths inside the bundle are relative to this: fixed, so the bundle is the same from any cwd.
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    write: false,
    minify: false,
    sourcemap: false,
    // Notices go in THIRD-PARTY-LICENSES.txt beside each bundle (see licences() below).
    legalComments: "none",
    metafile: true,
    banner: { js: (cli ? "#!/usr/bin/env node\n" : "") + banner },
    logLevel: "warning",
    // ssh2's optional native helpers; it works without them.
    external: ["cpu-features", "*.node"],
  });
  // The npm packages whose code went into the bundle: node_modules/<pkg>/... or node_modules/@scope/<pkg>/...
  const packages = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) packages.add(join(input.slice(0, m.index + m[0].length - 1)));
  }
  return { text: result.outputFiles[0].text, packages };
}

/** The licence texts of the packages bundled into one folder's bundles, as their licences ask. */
function licences(packageDirs) {
  const parts = [];
  for (const dir of [...packageDirs].sort()) {
    const meta = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), "utf8").trim() : `(no licence file; package.json says: ${meta.license ?? "nothing"})`;
    parts.push(`${meta.name}@${meta.version} (${meta.license ?? "unknown"})\n${"-".repeat(60)}\n${text}\n`);
  }
  return `Third-party software bundled into the files of this folder, with its licences.\n\n${parts.join("\n")}`;
}

const stale = [];
const packagesByDir = new Map();
function write(target, text, mode) {
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current === text) return;
  if (check) {
    stale.push(target.slice(root.length + 1));
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text, { mode });
  console.log(`built ${target.slice(root.length + 1)}`);
}
for (const [source, target] of entries()) {
  const { text, packages } = await bundle(source, target.endsWith("nix-fleet.js"));
  write(target, text, 0o755);
  const dir = dirname(target);
  packagesByDir.set(dir, new Set([...(packagesByDir.get(dir) ?? []), ...packages]));
  // A runner may copy only the action's folder: mark its bundles as ES modules right there.
  const pkg = join(dir, "package.json");
  if (!existsSync(pkg) && !check) writeFileSync(pkg, '{ "type": "module" }\n');
}
for (const [dir, packages] of packagesByDir) if (packages.size) write(join(dir, "THIRD-PARTY-LICENSES.txt"), licences(packages), 0o644);
if (stale.length) {
  console.error(`These bundles differ from a fresh build; run npm run build and commit them:\n  ${stale.join("\n  ")}`);
  process.exit(1);
}
