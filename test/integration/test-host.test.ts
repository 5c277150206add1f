import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { run, runChecked } from "../../src/process/run.js";
import { makeFleet, testNixConfig } from "../support/nix.js";
import { keyDir, makeKeyPair, signCertificate, sshClient, type KeyPair, type SshClient } from "../support/ssh-client.js";
import { startTestHost, stopAll, TEST_HOST_LEASES, type TestHost } from "../support/test-host.js";
import { describeWithTools } from "../support/tools.js";

// examples/fleet builds with the machine's /bin/sh but sets no PATH, so its builders find no
// mkdir (Nix gives builders PATH=/path-not-set). Give them one until the example does itself.
const fleetWithPath = {
  "lib/default.nix": (s: string) => (/\bPATH =/.test(s) ? s : s.replace('builder = "/bin/sh";', 'builder = "/bin/sh";\n      PATH = "/usr/bin:/bin";')),
};

const nixEnv = { ...process.env, NIX_CONFIG: `${testNixConfig}\nexperimental-features = nix-command flakes` };

describeWithTools(["ip", "unshare", "nsenter", "sshd", "ssh", "ssh-keygen", "nix"], "test hosts", () => {
  const keys = keyDir();
  const clients: SshClient[] = [];
  let web: TestHost;
  let db: TestHost;
  let client: KeyPair;
  let userCa: KeyPair;
  let hostCa: KeyPair;
  let fleetRoot: string | undefined;
  let closure: string[];
  let toplevel: string;
  let dbToplevel: string;

  const newClient = (o: Parameters<typeof sshClient>[0]) => {
    const c = sshClient(o);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [client, userCa, hostCa] = await Promise.all([
      makeKeyPair(keys.dir, "client"),
      makeKeyPair(keys.dir, "user-ca"),
      makeKeyPair(keys.dir, "host-ca"),
    ]);
    const fleet = makeFleet(fleetWithPath);
    fleetRoot = fleet.root;
    const build = runChecked(
      ["nix", "build", "--json", "--no-link", ...["web", "db"].map((h) => `${fleet.flake}#nixosConfigurations.${h}.config.system.build.toplevel`)],
      { env: nixEnv },
    );
    [web, db] = await Promise.all([
      startTestHost({
        name: "web",
        users: ["deploy", "nix-ssh"],
        authorizedKeys: { root: [client.publicKey], deploy: [client.publicKey], "nix-ssh": [client.publicKey] },
        userCaKeys: [userCa.publicKey],
        principals: { deploy: ["deploy-principal"] },
        hostCertificate: { caPrivateKeyPath: hostCa.privateKeyPath, principals: ["web.fleet.internal"] },
      }),
      startTestHost({
        name: "db",
        users: ["nix-ssh"],
        authorizedKeys: { root: [client.publicKey], "nix-ssh": [client.publicKey] },
        nixConfig: "trusted-users = root nix-ssh",
      }),
    ]);
    [toplevel, dbToplevel] = (JSON.parse((await build).stdout) as { outputs: { out: string } }[]).map((b) => b.outputs.out) as [string, string];
    closure = (await runChecked(["nix-store", "-qR", toplevel])).stdout.trim().split("\n");
  });

  afterAll(async () => {
    await stopAll([web, db]);
    for (const c of clients) c.remove();
    keys.remove();
    if (fleetRoot) rmSync(fleetRoot, { recursive: true, force: true });
  });

  it("logs in with a plain key after checking the pinned host key", async () => {
    const ssh = newClient({ knownHosts: [web.knownHostsLine], identityFile: client.privateKeyPath });
    const asRoot = await runChecked(ssh.argv(`root@${web.address}`, ["id", "-un"]));
    expect(asRoot.stdout.trim()).toBe("root");
    const asDeploy = await runChecked(ssh.argv(`deploy@${web.address}`, ["sh", "-c", "'id -un; echo $HOME; echo $PATH'"]));
    const [user, home, path] = asDeploy.stdout.trim().split("\n");
    expect(user).toBe("deploy");
    expect(home).toBe("/home/deploy");
    expect(path?.split(":")).toContain("/usr/bin");
    // exec reaches the same users without ssh.
    expect((await web.exec(["id", "-un"], { user: "deploy" })).stdout.trim()).toBe("deploy");
  });

  it("refuses a host whose key does not match known_hosts", async () => {
    // db's key pinned under web's address: the key web presents is not the pinned one.
    const ssh = newClient({ knownHosts: [`${web.address} ${db.hostKeyPublic}`], identityFile: client.privateKeyPath });
    const result = await run(ssh.argv(`root@${web.address}`, ["true"]));
    expect(result.exitCode).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
  });

  it("accepts a user certificate for a listed principal and refuses one for another", async () => {
    const certKey = await makeKeyPair(keys.dir, "cert-user");
    const goodCert = await signCertificate({
      caPrivateKeyPath: userCa.privateKeyPath, publicKeyPath: certKey.publicKeyPath, keyId: "run-1", principals: ["deploy-principal"],
    });
    const good = newClient({ knownHosts: [web.knownHostsLine], identityFile: certKey.privateKeyPath, certificateFile: goodCert });
    expect((await runChecked(good.argv(`deploy@${web.address}`, ["id", "-un"]))).stdout.trim()).toBe("deploy");
    expect(web.sshdLog()).toMatch(/Accepted publickey for deploy .*ID run-1/);

    const wrongKey = await makeKeyPair(keys.dir, "cert-wrong");
    const wrongCert = await signCertificate({
      caPrivateKeyPath: userCa.privateKeyPath, publicKeyPath: wrongKey.publicKeyPath, keyId: "run-2", principals: ["someone-else"],
    });
    const wrong = newClient({ knownHosts: [web.knownHostsLine], identityFile: wrongKey.privateKeyPath, certificateFile: wrongCert });
    const refused = await run(wrong.argv(`deploy@${web.address}`, ["true"]));
    expect(refused.exitCode).toBe(255);
    expect(refused.stderr).toMatch(/Permission denied/);

    // A certificate from a CA the host does not trust is refused as well.
    const otherCa = await makeKeyPair(keys.dir, "other-ca");
    const strangerKey = await makeKeyPair(keys.dir, "cert-stranger");
    const strangerCert = await signCertificate({
      caPrivateKeyPath: otherCa.privateKeyPath, publicKeyPath: strangerKey.publicKeyPath, keyId: "run-3", principals: ["deploy-principal"],
    });
    const stranger = newClient({ knownHosts: [web.knownHostsLine], identityFile: strangerKey.privateKeyPath, certificateFile: strangerCert });
    expect((await run(stranger.argv(`deploy@${web.address}`, ["true"]))).exitCode).toBe(255);
  });

  it("verifies a host certificate through @cert-authority alone", async () => {
    const trusting = newClient({ knownHosts: [`@cert-authority 10.233.* ${hostCa.publicKey}`], identityFile: client.privateKeyPath });
    expect((await runChecked(trusting.argv(`root@${web.address}`, ["hostname"]))).exitCode).toBe(0);

    const otherCa = await makeKeyPair(keys.dir, "other-host-ca");
    const distrusting = newClient({ knownHosts: [`@cert-authority 10.233.* ${otherCa.publicKey}`], identityFile: client.privateKeyPath });
    const refused = await run(distrusting.argv(`root@${web.address}`, ["true"]));
    expect(refused.exitCode).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed/);
  });

  it("copies a closure into a host's own store over ssh-ng://", async () => {
    expect(closure.length).toBeGreaterThan(1);
    expect((await web.exec(["nix-store", "--check-validity", toplevel])).exitCode).not.toBe(0);
    const ssh = newClient({ knownHosts: [web.knownHostsLine], identityFile: client.privateKeyPath });
    const env = { ...nixEnv, NIX_SSHOPTS: ssh.nixSshOpts };
    // Locally built paths carry no signature: even a trusted user must say --no-check-sigs.
    const unsigned = await run(["nix", "copy", "--to", `ssh-ng://root@${web.address}`, toplevel], { env });
    expect(unsigned.stderr).toMatch(/lacks a valid signature/);
    await runChecked(["nix", "copy", "--no-check-sigs", "--to", `ssh-ng://root@${web.address}`, toplevel], { env });
    for (const path of closure) {
      expect(existsSync(join(web.storeRoot, "store", basename(path)))).toBe(true);
      expect((await web.exec(["nix-store", "--check-validity", path])).exitCode).toBe(0);
    }
    // Only web received it: db's store is separate.
    expect((await db.exec(["nix-store", "--check-validity", toplevel])).exitCode).not.toBe(0);
    expect(readdirSync(join(db.storeRoot, "store"))).not.toContain(basename(toplevel));
  });

  it("copies a closure into another host over ssh:// at the same time", async () => {
    const ssh = newClient({ knownHosts: [db.knownHostsLine], identityFile: client.privateKeyPath });
    await runChecked(["nix", "copy", "--to", `ssh://root@${db.address}`, toplevel], { env: { ...nixEnv, NIX_SSHOPTS: ssh.nixSshOpts } });
    const inside = await db.exec(["nix-store", "-qR", toplevel]);
    expect(inside.exitCode).toBe(0);
    expect(inside.stdout.trim().split("\n").sort()).toEqual([...closure].sort());
    expect(web.address).not.toBe(db.address);
  });

  it("lets only trusted-users push unsigned paths over ssh-ng://, as a daemon does", async () => {
    const push = (host: TestHost) => {
      const ssh = newClient({ knownHosts: [host.knownHostsLine], identityFile: client.privateKeyPath });
      return run(["nix", "copy", "--no-check-sigs", "--to", `ssh-ng://nix-ssh@${host.address}`, dbToplevel], {
        env: { ...nixEnv, NIX_SSHOPTS: ssh.nixSshOpts },
      });
    };
    const untrusted = await push(web);
    expect(untrusted.exitCode).toBe(1);
    expect(untrusted.stderr).toMatch(/lacks a valid signature/);
    expect((await web.exec(["nix-store", "--check-validity", dbToplevel])).exitCode).not.toBe(0);

    const trusted = await push(db);
    expect(trusted.exitCode, trusted.stderr).toBe(0);
    expect((await db.exec(["nix-store", "--check-validity", dbToplevel])).exitCode).toBe(0);
  });

  it("leaves no namespace, interface, process, mount or directory behind after stop()", async () => {
    const host = await startTestHost({ name: "gone", users: ["deploy"], nixDaemon: true });
    const sshdPid = Number(readFileSync(join(host.dir, "sshd.pid"), "utf8"));
    const netnsBefore = (await runChecked(["ip", "netns", "list"])).stdout;
    const ours = netnsBefore.split("\n").map((l) => l.split(" ")[0]).filter((n) => n?.startsWith(`nfth-${process.pid}-`) && n.endsWith("-gone"));
    expect(ours).toHaveLength(1);
    expect((await runChecked(["ip", "-o", "addr"])).stdout).toContain(`${host.address.replace(/\d+$/, (d) => String(Number(d) - 1))}/30`);

    await host.stop();
    await host.stop(); // idempotent

    expect((await runChecked(["ip", "netns", "list"])).stdout).not.toContain(ours[0]);
    expect((await runChecked(["ip", "-o", "addr"])).stdout).not.toContain(`${host.address.replace(/\d+$/, (d) => String(Number(d) - 1))}/30`);
    expect(existsSync(`/proc/${sshdPid}`)).toBe(false);
    expect(existsSync(host.dir)).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(host.dir);
  });

  it("removes what a failed start made", async () => {
    // Only this run's namespaces: another run may be starting hosts at the same time.
    const ours = async () => (await runChecked(["ip", "netns", "list"])).stdout.split("\n").filter((l) => l.startsWith(`nfth-${process.pid}-`));
    const before = await ours();
    await expect(
      startTestHost({ name: "broken", hostCertificate: { caPrivateKeyPath: join(keys.dir, "no-such-ca"), principals: [] } }),
    ).rejects.toThrow(/ssh-keygen/);
    expect(await ours()).toEqual(before);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toMatch(/nfth-broken-/);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith("nfth-broken-"))).toEqual([]);
  });

  it("removes a crashed run's hosts when the next host starts", async () => {
    // A process that has ended stands in for a crashed test run.
    const ended = spawnSync("true").pid;
    const crashed = await startTestHost({ name: "crashed" });
    const leaseFile = readdirSync(TEST_HOST_LEASES)
      .map((f) => join(TEST_HOST_LEASES, f))
      .find((f) => readFileSync(f, "utf8").includes(crashed.dir))!;
    const lease = JSON.parse(readFileSync(leaseFile, "utf8")) as { pid: number; netns: string };
    writeFileSync(leaseFile, JSON.stringify({ ...lease, pid: ended }));
    // A namespace whose lease is lost: its name still names the pid that made it.
    const orphan = `nfth-${ended}-99999-orphan`;
    await runChecked(["ip", "netns", "add", orphan]);

    const next = await startTestHost({ name: "next", ownNix: false });
    try {
      const namespaces = (await runChecked(["ip", "netns", "list"])).stdout;
      expect(namespaces).not.toContain(lease.netns);
      expect(namespaces).not.toContain(orphan);
      expect(existsSync(crashed.dir)).toBe(false);
      expect(existsSync(leaseFile) && readFileSync(leaseFile, "utf8").includes(crashed.dir)).toBe(false);
      expect(next.storeRoot).toBe("/nix");
    } finally {
      await stopAll([next, crashed]);
      await run(["ip", "netns", "del", orphan]);
    }
  });
});
