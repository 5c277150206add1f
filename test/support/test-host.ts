import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandError, run, runChecked, type RunOptions, type RunResult } from "../../src/process/run.js";

/**
 * Test hosts: a network namespace joined to this one by a veth pair, a mount namespace with its
 * own /nix, /etc/nix, /root, /home and user database, a nix-daemon, and a real sshd listening
 * inside. A `nix copy` into one is a real copy into a separate store, and ssh into one checks
 * real host keys and certificates. Everything a host creates is recorded in a lease file, so a
 * crashed run's leftovers are removed by the next run's startTestHost.
 *
 *   let web: TestHost | undefined;
 *   beforeAll(async () => { web = await startTestHost({ name: "web", authorizedKeys: { root: [key] } }); });
 *   afterAll(() => stopAll([web]));
 *
 * Shared with this machine, as the namespaces do not separate them: /tmp, the process table
 * (pids), the programs in /usr. Needs root, iproute2, util-linux (unshare, nsenter, runuser,
 * mountpoint) and openssh-server; scripts/bootstrap installs them and makes /run/sshd.
 */

export interface TestHostOptions {
  /** Short, e.g. "web": only for names and logs. Two hosts may share a name. */
  name: string;
  /** Login users besides root, with a shell and a home, e.g. ["deploy"]. */
  users?: string[];
  /** user -> public key lines (plain key auth); root included. */
  authorizedKeys?: Record<string, string[]>;
  /** TrustedUserCAKeys lines: CA public keys whose user certificates are accepted. */
  userCaKeys?: string[];
  /** AuthorizedPrincipalsFile content per user: certificate principals accepted for that user. */
  principals?: Record<string, string[]>;
  /**
   * Sign the host key with this CA and serve the certificate (HostCertificate). The host's
   * address is always added to the principals, since clients reach it by address.
   */
  hostCertificate?: { caPrivateKeyPath: string; principals: string[] };
  /** Default true: a private, initially empty /nix with an initialised database. */
  ownNix?: boolean;
  /** Extra nix.conf lines for the host's private /etc/nix/nix.conf (e.g. `trusted-users = ...`). */
  nixConfig?: string;
  /**
   * Run a nix-daemon inside the host (default: true with ownNix), as on a NixOS host. Root's
   * Nix uses the store directly; other users' Nix (and their `ssh-ng://user@host`) reach it
   * through the daemon, which trusts them only by `trusted-users`: otherwise a pushed path needs
   * a signature by a trusted key, as REFERENCE.md says of Harmonia hosts.
   */
  nixDaemon?: boolean;
}

export interface HostExecOptions extends Omit<RunOptions, "env"> {
  /** Run as this user (runuser) instead of root. */
  user?: string;
  /** Added to the host's clean environment (PATH, HOME); the test's own environment is not passed. */
  env?: Record<string, string>;
}

export interface TestHost {
  name: string;
  /** The host's IP on its veth, reachable from the test process (root namespace) only. */
  address: string;
  port: number;
  /** "ssh-ed25519 AAAA..." */
  hostKeyPublic: string;
  /** "<address> ssh-ed25519 AAAA..." for UserKnownHostsFile. */
  knownHostsLine: string;
  /** The host's /nix as seen from the test process: paths copied in appear under storeRoot/store. */
  storeRoot: string;
  /** The host's private directory (sshd config, keys, homes), on the outer filesystem. */
  dir: string;
  /** Run argv inside the host's network and mount namespaces, as root unless opts.user. */
  exec(argv: string[], opts?: HostExecOptions): Promise<RunResult>;
  /** What sshd logged (LogLevel VERBOSE): why a login was refused. */
  sshdLog(): string;
  /** Stops every process in the host, removes namespaces, veth, mounts and files. Idempotent. */
  stop(): Promise<void>;
}

const PREFIX = "nfth";
/** One lease file per host in use (`<subnet index>.json`: creator pid, netns, dir). */
export const TEST_HOST_LEASES = join(tmpdir(), "nix-fleet-test-hosts");
const LEASES = TEST_HOST_LEASES;
const SUBNETS = 1 << 14; // /30s in 10.233.0.0/16
const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const HOST_NIX_CONF = ["build-users-group =", "sandbox = false", "substituters =", "experimental-features = nix-command flakes"];
const FIRST_UID = 30000;

interface Lease {
  pid: number;
  netns: string;
  dir: string;
}

/** 10.233.0.0/16 cut into /30s: the outer veth end takes .1 of its /30, the host .2. */
function subnetAddresses(index: number): { outer: string; inner: string } {
  const base = index * 4;
  const third = (base >> 8) & 0xff;
  const fourth = base & 0xff;
  return { outer: `10.233.${third}.${fourth + 1}`, inner: `10.233.${third}.${fourth + 2}` };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function leasePath(index: number): string {
  return join(LEASES, `${index}.json`);
}

/** Takes the first free /30 by creating its lease file exclusively, so parallel runs never share one. */
function takeLease(make: (index: number) => Lease): { index: number; lease: Lease } {
  mkdirSync(LEASES, { recursive: true });
  for (let index = 0; index < SUBNETS; index++) {
    let fd: number;
    try {
      fd = openSync(leasePath(index), "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    const lease = make(index);
    writeSync(fd, JSON.stringify(lease));
    closeSync(fd);
    return { index, lease };
  }
  throw new Error(`no free test-host subnet: ${SUBNETS} leases in ${LEASES}`);
}

async function ip(args: string[], okCodes = [0]): Promise<RunResult> {
  return runChecked(["ip", ...args], { okCodes });
}

/** Every process inside a network namespace (sshd, its sessions, nix-daemon), then waits for them. */
async function killNamespaceProcesses(netns: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const result = await run(["ip", "netns", "pids", netns]);
    const pids = result.exitCode === 0 ? result.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
    if (!pids.length) return;
    for (const pid of pids) {
      try {
        process.kill(pid, round < 10 ? "SIGTERM" : "SIGKILL");
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`processes in network namespace ${netns} would not stop`);
}

/** Undoes whatever part of a host exists; each step tolerates the part being absent. */
async function teardown(lease: Lease, leaseFile: string | undefined): Promise<void> {
  const errors: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
    }
  };
  const netnsExists = existsSync(join("/run/netns", lease.netns));
  if (netnsExists) await step("stop processes", () => killNamespaceProcesses(lease.netns));
  const nsDir = join(lease.dir, "ns");
  // The persistent mount namespace, then the private bind that holds it.
  await step("unmount mount namespace", () => run(["umount", join(nsDir, "mnt")]));
  await step("unmount ns dir", () => run(["umount", nsDir]));
  // Deleting the namespace destroys the inner veth end and with it the outer one.
  if (netnsExists) await step("delete netns", () => ip(["netns", "del", lease.netns]));
  await step("remove dir", async () => {
    if (existsSync(join(nsDir, "mnt")) && (await run(["mountpoint", "-q", join(nsDir, "mnt")])).exitCode === 0) {
      throw new Error(`${nsDir}/mnt is still mounted; leaving ${lease.dir}`);
    }
    rmSync(lease.dir, { recursive: true, force: true });
  });
  if (errors.length) throw new Error(`test host ${lease.netns} teardown: ${errors.join("; ")}`);
  // The lease may already be another host's: a reaper freed it after this process looked dead.
  if (leaseFile && existsSync(leaseFile) && readFileSync(leaseFile, "utf8").includes(JSON.stringify(lease.dir))) rmSync(leaseFile, { force: true });
}

/** Removes hosts whose creating process is gone: leftovers of a crashed or killed run. */
async function reapLeftovers(): Promise<void> {
  if (!existsSync(LEASES)) return;
  for (const file of readdirSync(LEASES)) {
    const path = join(LEASES, file);
    let lease: Lease;
    try {
      lease = JSON.parse(readFileSync(path, "utf8")) as Lease;
    } catch {
      continue; // being written right now by a live run
    }
    if (alive(lease.pid)) continue;
    await teardown(lease, path).catch(() => undefined);
  }
  // Namespaces whose lease vanished (e.g. a wiped /tmp): the creator's pid is part of the name.
  const list = await run(["ip", "netns", "list"]);
  for (const line of list.stdout.split("\n")) {
    const netns = line.split(" ")[0] ?? "";
    const match = /^nfth-(\d+)-/.exec(netns);
    if (match && !alive(Number(match[1]))) {
      await killNamespaceProcesses(netns).catch(() => undefined);
      await run(["ip", "netns", "del", netns]);
    }
  }
}

function waitForPort(address: string, port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`sshd exited (${child.exitCode ?? child.signalCode}) before listening:\n${log()}`));
        return;
      }
      const socket = connect({ host: address, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${address}:${port} not listening after ${timeoutMs} ms:\n${log()}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/** passwd/group/shadow for the host: the machine's own users (without passwords), plus the host's. */
function writeUserDatabase(dir: string, users: string[]): void {
  const etc = join(dir, "etc");
  mkdirSync(etc, { recursive: true });
  const passwd = readFileSync("/etc/passwd", "utf8").trimEnd().split("\n");
  const group = readFileSync("/etc/group", "utf8").trimEnd().split("\n");
  // sshd wants a shadow entry; this machine's password hashes have no business in a temp dir.
  const shadow = passwd.map((l) => `${l.split(":")[0]}:*:19000:0:99999:7:::`);
  const taken = new Set(passwd.map((l) => Number(l.split(":")[2])));
  const names = new Set(passwd.map((l) => l.split(":")[0]));
  let uid = FIRST_UID;
  for (const user of users) {
    if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new Error(`test host user '${user}': expected a plain login name`);
    if (names.has(user)) throw new Error(`test host user '${user}' already exists on this machine`);
    while (taken.has(uid)) uid++;
    taken.add(uid);
    // Bound over /home inside the host, so the user's home is /home/<user> there.
    const home = join(dir, "home", user);
    mkdirSync(home, { recursive: true });
    chownSync(home, uid, uid);
    passwd.push(`${user}:x:${uid}:${uid}::/home/${user}:/bin/bash`);
    group.push(`${user}:x:${uid}:`);
    // "*": no password, but not locked ("!"), which sshd would refuse even for key logins.
    shadow.push(`${user}:*:19000:0:99999:7:::`);
  }
  writeFileSync(join(etc, "passwd"), passwd.join("\n") + "\n");
  writeFileSync(join(etc, "group"), group.join("\n") + "\n");
  writeFileSync(join(etc, "shadow"), shadow.join("\n") + "\n", { mode: 0o600 });
}

function sshdConfig(dir: string, address: string, o: TestHostOptions, hostCertificate: string | undefined): string {
  return [
    `ListenAddress ${address}:22`,
    `HostKey ${join(dir, "ssh_host_ed25519_key")}`,
    ...(hostCertificate ? [`HostCertificate ${hostCertificate}`] : []),
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys", "%u")}`,
    `TrustedUserCAKeys ${o.userCaKeys?.length ? join(dir, "user_ca_keys") : "none"}`,
    `AuthorizedPrincipalsFile ${join(dir, "principals", "%u")}`,
    // The host's files live in a temp dir that sshd's ownership checks would reject.
    "StrictModes no",
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "PrintMotd no",
    "PrintLastLog no",
    "UseDNS no",
    "LogLevel VERBOSE",
    "Subsystem sftp internal-sftp",
  ].join("\n") + "\n";
}

/** Starts a host; on any failure everything already made is removed before the error is thrown. */
export async function startTestHost(o: TestHostOptions): Promise<TestHost> {
  if (!/^[a-z0-9-]{1,20}$/.test(o.name)) throw new Error(`test host name '${o.name}': expected 1-20 of [a-z0-9-]`);
  await reapLeftovers();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}-${o.name}-`));
  chmodSync(dir, 0o755); // users' homes are inside
  const { index, lease } = takeLease((i) => ({ pid: process.pid, netns: `${PREFIX}-${process.pid}-${i}-${o.name}`, dir }));
  const leaseFile = leasePath(index);
  const { outer, inner } = subnetAddresses(index);
  const netns = lease.netns;
  const nsDir = join(dir, "ns");
  const mntns = join(nsDir, "mnt");
  const ownNix = o.ownNix ?? true;
  const nixDaemon = o.nixDaemon ?? ownNix;
  const storeRoot = ownNix ? join(dir, "nix") : "/nix";
  const children: ChildProcess[] = [];
  let stopped: Promise<void> | undefined;

  const exec = (argv: string[], opts: HostExecOptions = {}): Promise<RunResult> => {
    const { user, env, ...rest } = opts;
    const asUser = user ? ["runuser", "-u", user, "--"] : [];
    const home = user ? `/home/${user}` : "/root";
    return run(["nsenter", `--net=/run/netns/${netns}`, `--mount=${mntns}`, "--", ...asUser, ...argv], {
      ...rest,
      env: { PATH: HOST_PATH, HOME: home, ...env },
    });
  };
  const execChecked = async (argv: string[]): Promise<RunResult> => {
    const result = await exec(argv);
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
    return result;
  };
  const log = () => (existsSync(join(dir, "sshd.log")) ? readFileSync(join(dir, "sshd.log"), "utf8") : "");
  const stop = (): Promise<void> => {
    stopped ??= teardown(lease, leaseFile).finally(() => {
      for (const child of children) child.kill("SIGKILL");
    });
    return stopped;
  };

  try {
    // Network: a veth pair, the outer end here, the inner one as eth0 in the host.
    await ip(["netns", "add", netns]);
    await ip(["link", "add", `${PREFIX}${index}`, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    await ip(["addr", "add", `${outer}/30`, "dev", `${PREFIX}${index}`]);
    await ip(["link", "set", `${PREFIX}${index}`, "up"]);
    await ip(["-n", netns, "addr", "add", `${inner}/30`, "dev", "eth0"]);
    await ip(["-n", netns, "link", "set", "eth0", "up"]);
    await ip(["-n", netns, "link", "set", "lo", "up"]);

    // Files: keys, users, nix.conf.
    for (const sub of ["authorized_keys", "principals", "etc-nix", "ns"]) mkdirSync(join(dir, sub), { recursive: true });
    await runChecked(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `${o.name}-host`, "-f", join(dir, "ssh_host_ed25519_key")]);
    const hostKeyPublic = readFileSync(join(dir, "ssh_host_ed25519_key.pub"), "utf8").trim().split(" ").slice(0, 2).join(" ");
    let hostCertificate: string | undefined;
    if (o.hostCertificate) {
      await runChecked([
        "ssh-keygen", "-q", "-s", o.hostCertificate.caPrivateKeyPath, "-I", `${o.name}-host`, "-h",
        "-n", [inner, ...o.hostCertificate.principals].join(","), "-V", "-5m:+1h", join(dir, "ssh_host_ed25519_key.pub"),
      ]);
      hostCertificate = join(dir, "ssh_host_ed25519_key-cert.pub");
    }
    for (const [user, keys] of Object.entries(o.authorizedKeys ?? {})) writeFileSync(join(dir, "authorized_keys", user), keys.join("\n") + "\n");
    for (const [user, names] of Object.entries(o.principals ?? {})) writeFileSync(join(dir, "principals", user), names.join("\n") + "\n");
    if (o.userCaKeys?.length) writeFileSync(join(dir, "user_ca_keys"), o.userCaKeys.join("\n") + "\n");
    writeUserDatabase(dir, o.users ?? []);
    writeFileSync(join(dir, "etc-nix", "nix.conf"), [...HOST_NIX_CONF, o.nixConfig ?? ""].join("\n") + "\n");
    writeFileSync(join(dir, "sshd_config"), sshdConfig(dir, inner, o, hostCertificate));

    // Mount namespace, kept alive by a bind onto a file (as `ip netns` does for network ones).
    // That file must sit on a private mount, so the namespace's dir is bound onto itself first.
    writeFileSync(mntns, "");
    await runChecked(["mount", "--bind", nsDir, nsDir]);
    await runChecked(["mount", "--make-private", nsDir]);
    await runChecked(["unshare", `--mount=${mntns}`, "--propagation", "private", "true"]);
    const bind = (source: string, target: string) => runChecked(["nsenter", `--mount=${mntns}`, "--", "mount", "--bind", source, target]);
    if (ownNix) {
      mkdirSync(storeRoot);
      await bind(storeRoot, "/nix");
    }
    mkdirSync("/etc/nix", { recursive: true }); // the mount point; the outer nix.conf stays as it is
    await bind(join(dir, "etc-nix"), "/etc/nix");
    for (const file of ["passwd", "group", "shadow"]) await bind(join(dir, "etc", file), `/etc/${file}`);
    // Homes at /home/<user> inside, as on a real host; root's own, so this machine's shell
    // profile and caches stay out.
    mkdirSync(join(dir, "home"), { recursive: true });
    mkdirSync(join(dir, "root"), { mode: 0o700 });
    mkdirSync("/home", { recursive: true });
    await bind(join(dir, "home"), "/home");
    await bind(join(dir, "root"), "/root");
    if (ownNix) await execChecked(["nix-store", "--init"]);

    if (nixDaemon) {
      const daemon = spawn("nsenter", [`--net=/run/netns/${netns}`, `--mount=${mntns}`, "--", "nix-daemon"], {
        stdio: ["ignore", "ignore", "ignore"],
        env: { PATH: HOST_PATH, HOME: "/root" },
      });
      children.push(daemon);
      await waitForFile(join(storeRoot, "var", "nix", "daemon-socket", "socket"), daemon);
    }

    const sshd = spawn("nsenter", [`--net=/run/netns/${netns}`, `--mount=${mntns}`, "--", "/usr/sbin/sshd", "-D", "-f", join(dir, "sshd_config"), "-E", join(dir, "sshd.log")], {
      stdio: ["ignore", "ignore", "ignore"],
      env: { PATH: HOST_PATH },
    });
    children.push(sshd);
    await waitForPort(inner, 22, sshd, log);

    return {
      name: o.name,
      address: inner,
      port: 22,
      hostKeyPublic,
      knownHostsLine: `${inner} ${hostKeyPublic}`,
      storeRoot,
      dir,
      exec,
      sshdLog: log,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

async function waitForFile(path: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (child.exitCode !== null) throw new Error(`${child.spawnargs.join(" ")} exited ${child.exitCode} before creating ${path}`);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stops every host given, even when some stops fail; for afterAll/afterEach. */
export async function stopAll(hosts: Iterable<TestHost | undefined>): Promise<void> {
  const results = await Promise.allSettled([...hosts].filter((h): h is TestHost => !!h).map((h) => h.stop()));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length) throw new Error(failed.map((f) => String(f.reason)).join("\n"));
}
