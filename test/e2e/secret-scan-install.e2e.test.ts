import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChecksumError, installGitleaks } from "../../src/scan/install.js";
import { plantedSecret, secretLine, TestRepo } from "../support/git-repo.js";
import { runAction, type HarnessResult } from "../support/runner-harness.js";
import { describeWithTools, hasTool } from "../support/tools.js";

const VERSION = "8.16.0";
const ARCHIVE = `gitleaks_${VERSION}_linux_${process.arch === "arm64" ? "arm64" : "x64"}.tar.gz`;

/**
 * A release mirror on loopback, laid out like gitleaks' GitHub releases: `/good/v<version>/` holds
 * an archive (built from the Debian binary) and a checksums file that matches it, `/bad/` one that
 * does not, `/unlisted/` one that lists other archives only.
 */
let server: Server;
let base = "";
let archiveSha = "";
let work = "";
const requests: string[] = [];

beforeAll(async () => {
  if (!hasTool("gitleaks")) return;
  work = mkdtempSync(join(tmpdir(), "gitleaks-mirror-"));
  const staging = join(work, "staging");
  execFileSync("mkdir", ["-p", staging]);
  const binary = execFileSync("sh", ["-c", "command -v gitleaks"], { encoding: "utf8" }).trim();
  copyFileSync(binary, join(staging, "gitleaks"));
  writeFileSync(join(staging, "README.md"), "gitleaks\n");
  execFileSync("tar", ["-czf", join(work, ARCHIVE), "-C", staging, "gitleaks", "README.md"]);
  const archive = readFileSync(join(work, ARCHIVE));
  const sha = createHash("sha256").update(archive).digest("hex");
  archiveSha = sha;
  const other = "0".repeat(64);
  // What a broken release step might publish: not a gzip archive, but its checksum is right.
  const garbled = Buffer.from("<html>not an archive</html>\n");
  const garbledSha = createHash("sha256").update(garbled).digest("hex");
  const sums: Record<string, string> = {
    garbled: `${garbledSha}  ${ARCHIVE}\n`,
    good: `${other}  gitleaks_${VERSION}_darwin_x64.tar.gz\n${sha}  ${ARCHIVE}\n`,
    bad: `${"f".repeat(64)}  ${ARCHIVE}\n`,
    unlisted: `${other}  gitleaks_${VERSION}_darwin_x64.tar.gz\n`,
  };
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    // A mirror that moved: relative Locations, as many servers send them.
    const moved = /^\/moved\/(.+)$/.exec(req.url ?? "");
    if (moved) {
      res.writeHead(302, { location: `/good/${moved[1]}` }).end();
      return;
    }
    const m = /^\/(good|bad|unlisted|garbled)\/v([^/]+)\/(.+)$/.exec(req.url ?? "");
    if (m && m[2] === VERSION && m[3] === ARCHIVE) {
      res.writeHead(200, { "content-type": "application/gzip" }).end(m[1] === "garbled" ? garbled : archive);
    } else if (m && m[2] === VERSION && m[3] === `gitleaks_${VERSION}_checksums.txt`) {
      res.writeHead(200, { "content-type": "text/plain" }).end(sums[m[1] as string]);
    } else {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

describeWithTools(["git", "gitleaks", "tar"], "secret-scan installs gitleaks from a release mirror", () => {
  const cleanup: string[] = [];
  afterAll(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  /** A repository of one clean commit, and an empty tool cache. */
  function cleanRepo(): { repo: TestRepo; toolCache: string } {
    const repo = TestRepo.init("install-");
    cleanup.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    return { repo, toolCache: freshToolCache() };
  }

  function freshToolCache(): string {
    const dir = mkdtempSync(join(tmpdir(), "tool-cache-"));
    cleanup.push(dir);
    return dir;
  }

  async function scanWith(repo: TestRepo, toolCache: string, mirror: string, inputs: Record<string, string> = {}): Promise<HarnessResult> {
    const result = await runAction({
      action: "actions/secret-scan",
      flavour: "github",
      workspace: repo.dir,
      eventName: "workflow_dispatch",
      inputs: { "gitleaks-version": VERSION, "gitleaks-download-url": `${base}/${mirror}`, ...inputs },
      env: { RUNNER_TOOL_CACHE: toolCache },
    });
    cleanup.push(result.runnerTemp);
    return result;
  }

  it("installs with a good checksum, scans with it, and takes it from the tool cache next time", async () => {
    const repo = TestRepo.init("install-");
    cleanup.push(repo.dir);
    const secret = plantedSecret();
    const leak = repo.commit("leak", { "a.env": secretLine(secret) });
    const toolCache = freshToolCache();
    requests.length = 0;

    const first = await scanWith(repo, toolCache, "good");
    expect(first.log).toContain(`Downloading gitleaks ${VERSION}: ${base}/good/v${VERSION}/${ARCHIVE}`);
    expect(first.log).toMatch(new RegExp(`Installed gitleaks ${VERSION} \\(sha256 [0-9a-f]{64} verified against \\S+checksums.txt\\) into the tool cache`));
    expect(first.log).toContain(`Using gitleaks ${VERSION} from release archive ${VERSION}.`);
    // Debian's build prints no version: the release it came from is assumed, and said so.
    expect(first.log).toContain(`::warning::the gitleaks installed as release ${VERSION} prints no version of its own: taking it to be ${VERSION}.`);
    expect(first.outputs).toMatchObject({ findings: "1", commits: "1" });
    expect(JSON.parse(readFileSync(first.outputs.report as string, "utf8")).findings[0].commit).toBe(leak);
    const cached = join(toolCache, "gitleaks", VERSION, process.arch, "gitleaks");
    expect(existsSync(cached)).toBe(true);
    expect(requests.sort()).toEqual([`/good/v${VERSION}/${ARCHIVE}`, `/good/v${VERSION}/gitleaks_${VERSION}_checksums.txt`].sort());

    requests.length = 0;
    const second = await scanWith(repo, toolCache, "good");
    expect(second.log).toContain(`gitleaks ${VERSION} from the tool cache (${join(toolCache, "gitleaks", VERSION, process.arch)})`);
    expect(second.outputs).toMatchObject({ findings: "1", commits: "1" });
    expect(requests).toEqual([]);
    for (const r of [first, second]) expect(r.rawLog).not.toContain(secret);
  });

  it("checks gitleaks-sha256 instead of the checksums file beside the archive", async () => {
    const { repo, toolCache } = cleanRepo();
    requests.length = 0;
    // The mirror's checksums file is wrong, the pinned sum is right: installed.
    const pinned = await scanWith(repo, toolCache, "bad", { "gitleaks-sha256": archiveSha.toUpperCase() });
    expect(pinned.exitCode).toBe(0);
    expect(pinned.log).toContain("verified against gitleaks-sha256) into the tool cache");
    expect(requests).toEqual([`/bad/v${VERSION}/${ARCHIVE}`]);

    const otherCache = freshToolCache();
    const wrong = await scanWith(repo, otherCache, "good", { "gitleaks-sha256": "e".repeat(64) });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.log).toMatch(new RegExp(`checksum mismatch for \\S+: expected sha256 e{64} \\(from gitleaks-sha256\\), got ${archiveSha}\\. Refusing to install it\\.`));
    expect(existsSync(join(otherCache, "gitleaks"))).toBe(false);
  });

  it.each([
    ["bad", /checksum mismatch for .*\/bad\/v8\.16\.0\/gitleaks_8\.16\.0_linux_\w+\.tar\.gz: expected sha256 f{64} .* got [0-9a-f]{64}\. Refusing to install it\./],
    ["unlisted", /gitleaks_8\.16\.0_checksums\.txt lists no checksum for gitleaks_8\.16\.0_linux_\w+\.tar\.gz: refusing to install it\./],
    ["missing", /secret-scan failed with: could not download http:\/\/127\.0\.0\.1:\d+\/missing\/v8\.16\.0\/gitleaks_8\.16\.0_\S+: .*404/],
  ])("refuses to install when the archive does not verify or is missing (%s)", async (mirror, message) => {
    const { repo, toolCache } = cleanRepo();
    const result = await scanWith(repo, toolCache, mirror);
    expect(result.exitCode).toBe(1);
    expect(result.log).toMatch(message);
    expect(existsSync(join(toolCache, "gitleaks"))).toBe(false);
    expect(result.outputs.findings).toBeUndefined();
    // Nothing of the download is left: not the archive, not what it held.
    expect(filesUnder(result.runnerTemp).filter((f) => /\.tar\.gz$|checksums|\/gitleaks$/.test(f))).toEqual([]);
  });

  it("fails clearly on a verified archive that tar cannot read, and leaves nothing of it", async () => {
    const { repo, toolCache } = cleanRepo();
    const result = await scanWith(repo, toolCache, "garbled");
    expect(result.exitCode).toBe(1);
    expect(result.log, result.log).toMatch(new RegExp(`could not extract ${ARCHIVE.replace(/\./g, "\\.")}: .*tar .*exited with code 2`));
    expect(filesUnder(result.runnerTemp).filter((f) => /\.tar\.gz$|checksums|extracted/.test(f))).toEqual([]);
    expect(existsSync(join(toolCache, "gitleaks"))).toBe(false);
  });

  it("removes an archive whose checksum does not match, right away", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "scratch-"));
    cleanup.push(scratch);
    const unused = () => Promise.reject(new Error("not to be reached"));
    const toolCache = { find: () => undefined, cacheDir: unused };
    const log = { info: () => undefined, warning: () => undefined };
    await expect(installGitleaks(VERSION, { downloadUrl: `${base}/bad` }, { toolCache, log, scratch })).rejects.toThrow(ChecksumError);
    expect(filesUnder(scratch).filter((f) => f.endsWith(".tar.gz"))).toEqual([]);
  });

  it("follows a relative redirect to the archive", async () => {
    const { repo, toolCache } = cleanRepo();
    requests.length = 0;
    const result = await scanWith(repo, toolCache, "moved");
    expect(result.exitCode, result.log).toBe(0);
    expect(requests).toContain(`/moved/v${VERSION}/${ARCHIVE}`);
    expect(requests).toContain(`/good/v${VERSION}/${ARCHIVE}`);
    expect(existsSync(join(toolCache, "gitleaks", VERSION, process.arch, "gitleaks"))).toBe(true);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => join(dir, f));
}
