// Bundles every action into actions/<name>/dist/ (main.js, and post.js where it has one), the gate
// (the root action.yml) into dist/gate/, and the CLI into dist/nix-fleet.js. The bundles are committed; test/unit/bundles.test.ts checks that they
// equal a fresh build. `--check` builds into memory and lists bundles that differ.
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");

// ESM bundles still contain CommonJS dependencies that call require(): give them one.
const banner = [
  'import { createRequire as __nixFleetCreateRequire } from "node:module";',
  "const require = __nixFleetCreateRequire(import.meta.url);",
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
    // The licence notices of the bundled packages stay with the code they cover.
    legalComments: "eof",
    banner: { js: (cli ? "#!/usr/bin/env node\n" : "") + banner },
    logLevel: "warning",
    // ssh2's optional native helpers; it works without them.
    external: ["cpu-features", "*.node"],
  });
  return result.outputFiles[0].text;
}

const stale = [];
for (const [source, target] of entries()) {
  const text = await bundle(source, target.endsWith("nix-fleet.js"));
  const current = existsSync(target) ? readFileSync(target, "utf8") : undefined;
  if (current === text) continue;
  if (check) {
    stale.push(target.slice(root.length + 1));
    continue;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text, { mode: 0o755 });
  // A runner may copy only the action's folder: mark its bundles as ES modules right there.
  const pkg = join(dirname(target), "package.json");
  if (!existsSync(pkg)) writeFileSync(pkg, '{ "type": "module" }\n');
  console.log(`built ${target.slice(root.length + 1)}`);
}
if (stale.length) {
  console.error(`These bundles differ from a fresh build; run npm run build and commit them:\n  ${stale.join("\n  ")}`);
  process.exit(1);
}
