import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, constants, mkdir, readFile, rm } from "node:fs/promises";
import { basename, delimiter, join } from "node:path";
import { runChecked } from "../process/run.js";
import type { ToolCache } from "../runner/tool-cache.js";
import { downloadFile, type DownloadLimits } from "./download.js";
import { Gitleaks } from "./gitleaks.js";

/** Official releases: `<base>/v<version>/gitleaks_<version>_linux_x64.tar.gz` (gitleaks' .goreleaser.yml). */
export const OFFICIAL_DOWNLOAD_URL = "https://github.com/gitleaks/gitleaks/releases/download";
/** Installed when gitleaks is neither given nor on PATH. */
export const DEFAULT_GITLEAKS_VERSION = "8.24.3";

/**
 * The default release's archives, as gitleaks' own gitleaks_8.24.3_checksums.txt lists them: a
 * mirror (or whoever controls the download URL) cannot swap these for others, since the
 * checksums file served beside them is not what they are checked against.
 */
export const PINNED_SHA256: Record<string, string> = {
  "gitleaks_8.24.3_linux_x64.tar.gz": "9991e0b2903da4c8f6122b5c3186448b927a5da4deef1fe45271c3793f4ee29c",
  "gitleaks_8.24.3_linux_arm64.tar.gz": "5f2edbe1f49f7b920f9e06e90759947d3c5dfc16f752fb93aaafc17e9d14cf07",
  "gitleaks_8.24.3_darwin_x64.tar.gz": "41c44ae8ad1d6eef57d4526ad0fd67d8129eee9a856f55c2b3b9395fd3d9ec0f",
  "gitleaks_8.24.3_darwin_arm64.tar.gz": "b90f13bb8c90ab72083d9b0c842e39dafb82c0e5c3f872f407366b7a58909013",
};

/** goreleaser's architecture names in gitleaks' archives (amd64 is renamed x64). */
const ARCHES: Record<string, string> = { x64: "x64", arm64: "arm64", ia32: "x32" };

export interface ReleaseAssets {
  archive: string;
  archiveUrl: string;
  checksumsUrl: string;
}

export function releaseAssets(base: string, version: string, arch: string = process.arch, platform: string = process.platform): ReleaseAssets {
  const goArch = ARCHES[arch];
  if (!goArch || (platform !== "linux" && platform !== "darwin")) {
    throw new Error(`gitleaks publishes no archive for ${platform}/${arch}. Install gitleaks yourself and set gitleaks-path.`);
  }
  const archive = `gitleaks_${version}_${platform}_${goArch}.tar.gz`;
  const dir = `${base.replace(/\/+$/, "")}/v${version}`;
  return { archive, archiveUrl: `${dir}/${archive}`, checksumsUrl: `${dir}/gitleaks_${version}_checksums.txt` };
}

/** `sha256sum` format: `<hex>  <name>` per line (a `*` before the name marks binary mode). */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m) sums.set(basename(m[2] as string), (m[1] as string).toLowerCase());
  }
  return sums;
}

export class ChecksumError extends Error {}

async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findOnPath(name: string, path = process.env.PATH ?? ""): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface LocateOptions {
  gitleaksPath?: string;
  /** Asked for explicitly: a gitleaks on PATH of another (or unknown) version is not used. */
  gitleaksVersion?: string;
  downloadUrl: string;
  /** The archive's sha256 as the user knows it: checked instead of the downloaded checksums file. */
  gitleaksSha256?: string;
  /** The directories searched for a gitleaks before downloading one; default PATH. */
  searchPath?: string;
}

export interface InstallLog {
  info(message: string): void;
  warning(message: string): void;
}

export interface LocatedGitleaks {
  gitleaks: Gitleaks;
  /** How it was found, for the log and the report. */
  source: string;
}

/**
 * gitleaks-path, else PATH, else the release archive (checksum verified) through the tool
 * cache. Without a tool cache (the CLI), a missing gitleaks is an error.
 */
export interface LocateDeps {
  toolCache?: ToolCache;
  log: InstallLog;
  /** The step's private scratch directory: downloads and extraction happen here, removed with it. */
  scratch: string;
  limits?: DownloadLimits;
}

export async function locateGitleaks(o: LocateOptions, deps: LocateDeps): Promise<LocatedGitleaks> {
  if (o.gitleaksPath) return { gitleaks: await Gitleaks.create(o.gitleaksPath), source: `gitleaks-path ${o.gitleaksPath}` };
  const onPath = await findOnPath("gitleaks", o.searchPath);
  if (onPath) {
    const gitleaks = await Gitleaks.create(onPath);
    if (!o.gitleaksVersion || gitleaks.version.text === o.gitleaksVersion) return { gitleaks, source: `PATH (${onPath})` };
    deps.log.info(`gitleaks on PATH is version ${gitleaks.version.text}, not ${o.gitleaksVersion}: installing ${o.gitleaksVersion}.`);
  }
  const version = o.gitleaksVersion ?? DEFAULT_GITLEAKS_VERSION;
  if (!deps.toolCache) throw new Error(`gitleaks is not installed. Install gitleaks ${version} (or newer) or give its path with --gitleaks-path.`);
  const installed = await installGitleaks(version, o, { ...deps, toolCache: deps.toolCache });
  const gitleaks = await Gitleaks.create(installed.binary, version);
  if (gitleaks.reportedVersion === undefined) {
    deps.log.warning(`the gitleaks installed as release ${version} prints no version of its own: taking it to be ${version}.`);
  } else if (gitleaks.reportedVersion !== version) {
    deps.log.warning(`the gitleaks installed as release ${version} says it is version ${gitleaks.reportedVersion}: using it as ${gitleaks.reportedVersion}.`);
  }
  return { gitleaks, source: installed.cached ? `tool cache (${installed.binary})` : `release archive ${version}` };
}

/**
 * The gitleaks binary of `version`, from the tool cache or freshly installed into it. The archive
 * is checked against `gitleaksSha256`, else the pinned sum of a known release, else the checksums
 * file beside it (which only guards against a broken download: it comes from the same place).
 */
export async function installGitleaks(
  version: string,
  o: Pick<LocateOptions, "downloadUrl" | "gitleaksSha256">,
  deps: LocateDeps & { toolCache: ToolCache },
): Promise<{ binary: string; cached: boolean }> {
  const { toolCache: cache, log } = deps;
  const arch = process.arch;
  const cached = cache.find("gitleaks", version, arch);
  if (cached) {
    log.info(`gitleaks ${version} from the tool cache (${cached}).`);
    return { binary: join(cached, "gitleaks"), cached: true };
  }
  const assets = releaseAssets(o.downloadUrl, version, arch);
  log.info(`Downloading gitleaks ${version}: ${assets.archiveUrl}`);
  const downloads = join(deps.scratch, "gitleaks-download");
  await mkdir(downloads, { recursive: true });
  const download = async (url: string, name: string): Promise<string> => {
    const dest = join(downloads, name);
    try {
      await downloadFile(url, dest, deps.limits);
    } catch (error) {
      throw new Error(`could not download ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return dest;
  };
  const known = o.gitleaksSha256 ? { sum: o.gitleaksSha256, from: "gitleaks-sha256" } : PINNED_SHA256[assets.archive] ? { sum: PINNED_SHA256[assets.archive] as string, from: "the sum pinned for this release" } : undefined;
  let expected: { sum: string; from: string };
  const archive = await download(assets.archiveUrl, assets.archive);
  if (known) expected = known;
  else {
    const sum = parseChecksums(await readFile(await download(assets.checksumsUrl, "checksums.txt"), "utf8")).get(assets.archive);
    if (!sum) throw new ChecksumError(`${assets.checksumsUrl} lists no checksum for ${assets.archive}: refusing to install it.`);
    expected = { sum, from: assets.checksumsUrl };
  }
  const actual = await sha256(archive);
  if (actual !== expected.sum) {
    // Not left for anything to pick up later.
    await rm(archive, { force: true });
    throw new ChecksumError(`checksum mismatch for ${assets.archiveUrl}: expected sha256 ${expected.sum} (from ${expected.from}), got ${actual}. Refusing to install it.`);
  }
  // Extracted by our own run(), so that a stopped step stops tar too; into the scratch directory, so nothing is left behind.
  const dir = join(downloads, "extracted");
  await mkdir(dir);
  try {
    await runChecked(["tar", "-xzf", archive, "-C", dir, "--no-same-owner"]);
  } catch (error) {
    throw new Error(`could not extract ${assets.archive}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!(await isExecutable(join(dir, "gitleaks")))) throw new Error(`${assets.archive} holds no executable 'gitleaks'.`);
  const cachedDir = await cache.cacheDir(dir, "gitleaks", version, arch);
  log.info(`Installed gitleaks ${version} (sha256 ${actual} verified against ${expected.from}) into the tool cache.`);
  return { binary: join(cachedDir, "gitleaks"), cached: false };
}
