import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { proxyFor } from "../../src/scan/proxy.js";
import { TestRepo } from "../support/git-repo.js";
import { runAction } from "../support/runner-harness.js";
import { describeWithTools, hasTool } from "../support/tools.js";

const VERSION = "8.16.0";
const ARCHIVE = `gitleaks_${VERSION}_linux_${process.arch === "arm64" ? "arm64" : "x64"}.tar.gz`;
const MIRROR = "mirror.fleet.test";

/**
 * A release mirror that only speaks TLS, with a certificate for mirror.fleet.test from a CA made
 * here, reachable only through an http CONNECT proxy on loopback (which sends every tunnel to the
 * mirror): the way a runner behind a corporate proxy downloads gitleaks.
 */
let work = "";
let mirror: Server;
let proxy: Server;
let proxyUrl = "";
const tunnels: string[] = [];
const proxyAuth: (string | undefined)[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  if (!hasTool("gitleaks") || !hasTool("openssl")) return;
  work = mkdtempSync(join(tmpdir(), "proxy-mirror-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: "ignore" });
  ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=fleet test CA");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "mirror.key", "-out", "mirror.csr", "-subj", `/CN=${MIRROR}`);
  writeFileSync(join(work, "ext.cnf"), `subjectAltName=DNS:${MIRROR}\n`);
  ssl("x509", "-req", "-in", "mirror.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "mirror.pem", "-days", "2", "-extfile", "ext.cnf");

  const staging = join(work, "staging");
  mkdirSync(staging);
  copyFileSync(execFileSync("sh", ["-c", "command -v gitleaks"], { encoding: "utf8" }).trim(), join(staging, "gitleaks"));
  execFileSync("tar", ["-czf", join(work, ARCHIVE), "-C", staging, "gitleaks"]);
  const archive = readFileSync(join(work, ARCHIVE));
  const sha = execFileSync("sha256sum", [join(work, ARCHIVE)], { encoding: "utf8" }).split(" ")[0];

  mirror = createHttpsServer({ key: readFileSync(join(work, "mirror.key")), cert: readFileSync(join(work, "mirror.pem")) }, (req, res) => {
    if (req.url === `/v${VERSION}/${ARCHIVE}`) res.writeHead(200).end(archive);
    else if (req.url === `/v${VERSION}/gitleaks_${VERSION}_checksums.txt`) res.writeHead(200).end(`${sha}  ${ARCHIVE}\n`);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
  const mirrorPort = (mirror.address() as AddressInfo).port;

  proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req, client: Socket) => {
    tunnels.push(req.url ?? "");
    proxyAuth.push(req.headers["proxy-authorization"]);
    sockets.add(client);
    const upstream = connect(mirrorPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection established\r\n\r\n");
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  if (mirror) await new Promise((resolve) => mirror.close(resolve));
  if (proxy) await new Promise((resolve) => proxy.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

it.each([
  ["https://x.example.org/a", {}, undefined],
  ["https://x.example.org/a", { https_proxy: "http://p:3128" }, "http://p:3128/"],
  ["https://x.example.org/a", { HTTPS_PROXY: "p:3128" }, "http://p:3128/"],
  ["https://x.example.org/a", { https_proxy: "http://p:3128", no_proxy: "example.org" }, undefined],
  ["https://x.example.org/a", { https_proxy: "http://p:3128", no_proxy: ".example.org" }, undefined],
  ["https://x.example.org/a", { https_proxy: "http://p:3128", NO_PROXY: "*" }, undefined],
  ["https://x.example.org/a", { https_proxy: "http://p:3128", no_proxy: "example.org:8443" }, "http://p:3128/"],
  ["https://xexample.org/a", { https_proxy: "http://p:3128", no_proxy: "example.org" }, "http://p:3128/"],
  ["https://127.0.0.1:8443/a", { https_proxy: "http://p:3128" }, undefined],
  ["http://127.0.0.1:8080/a", { https_proxy: "http://p:3128" }, undefined],
])("proxyFor(%s, %j) is %s", (url, env, expected) => {
  expect(proxyFor(new URL(url), env)?.href).toBe(expected);
});

describeWithTools(["git", "gitleaks", "tar", "openssl"], "secret-scan downloads gitleaks through an https_proxy", () => {
  const cleanup: string[] = [];
  afterAll(() => {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  });

  async function install(env: Record<string, string>) {
    const repo = TestRepo.init("proxy-");
    cleanup.push(repo.dir);
    repo.commit("root", { "README.md": "x\n" });
    const toolCache = mkdtempSync(join(tmpdir(), "tool-cache-"));
    cleanup.push(toolCache);
    const result = await runAction({
      action: "actions/secret-scan",
      flavour: "github",
      workspace: repo.dir,
      eventName: "workflow_dispatch",
      inputs: { "gitleaks-version": VERSION, "gitleaks-download-url": `https://${MIRROR}` },
      env: { RUNNER_TOOL_CACHE: toolCache, ...env },
    });
    cleanup.push(result.runnerTemp);
    return result;
  }

  it("tunnels to the mirror, verifies its certificate, and sends the proxy's credentials only to the proxy", async () => {
    tunnels.length = 0;
    proxyAuth.length = 0;
    const password = "proxy-pass-4711";
    const url = new URL(proxyUrl);
    url.username = "runner";
    url.password = password;
    const ok = await install({ https_proxy: url.href, NODE_EXTRA_CA_CERTS: join(work, "ca.pem") });
    expect(ok.exitCode, ok.log).toBe(0);
    expect(ok.log).toContain(`Installed gitleaks ${VERSION}`);
    expect(tunnels).toEqual([`${MIRROR}:443`, `${MIRROR}:443`]);
    expect(proxyAuth.every((a) => a === `Basic ${Buffer.from(`runner:${password}`).toString("base64")}`)).toBe(true);
    expect(ok.rawLog).not.toContain(password);
  });

  it("refuses a mirror whose certificate it cannot verify, through the proxy too", async () => {
    const bad = await install({ https_proxy: proxyUrl });
    expect(bad.exitCode).toBe(1);
    expect(bad.log).toMatch(/could not download https:\/\/mirror\.fleet\.test\/v8\.16\.0\/\S+: .*(self-signed|unable to verify|certificate)/i);
  });

  it("without a proxy the name does not even resolve: the proxy is what made it work", async () => {
    const direct = await install({ NODE_EXTRA_CA_CERTS: join(work, "ca.pem") });
    expect(direct.exitCode).toBe(1);
    expect(direct.log).toMatch(/could not download https:\/\/mirror\.fleet\.test\/\S+: .*(ENOTFOUND|EAI_AGAIN|getaddrinfo)/);
  });
});
