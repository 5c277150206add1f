import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`: repositories are `<url>/<name>.git`. */
  url: string;
  /** `Authorization` headers of every request, in order. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * Smart HTTP over the real `git http-backend` (CGI), behind basic auth for one user: what a
 * forge's https remote does, on loopback.
 */
export async function gitHttpServer(projectRoot: string, user: string, password: string): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("unauthorized\n");
      return;
    }
    cgi(req, res, projectRoot, user);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A hostile (or misconfigured) git remote: it answers every fetch with an error quoting the
 * `Authorization` header it was sent, as a tool's error message may quote a credential.
 */
export async function echoingGitRemote(): Promise<{ url: string; close(): Promise<void> }> {
  const pkt = (text: string) => (text.length + 4).toString(16).padStart(4, "0") + text;
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/x-git-upload-pack-advertisement" });
    res.end(`${pkt("# service=git-upload-pack\n")}0000${pkt(`ERR you sent ${req.headers.authorization ?? "nothing"}\n`)}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function cgi(req: IncomingMessage, res: ServerResponse, projectRoot: string, user: string): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_USER: user,
      REMOTE_ADDR: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin);
  const out: Buffer[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(d));
  child.on("close", () => {
    const all = Buffer.concat(out);
    const end = all.indexOf("\r\n\r\n") >= 0 ? all.indexOf("\r\n\r\n") + 4 : all.indexOf("\n\n") + 2;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of all.subarray(0, end).toString("latin1").split(/\r?\n/).filter(Boolean)) {
      const at = line.indexOf(":");
      const name = line.slice(0, at).trim();
      const value = line.slice(at + 1).trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers).end(all.subarray(end));
  });
}
