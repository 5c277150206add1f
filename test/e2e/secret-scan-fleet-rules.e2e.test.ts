import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { privateFleetFiles, publicFleetFiles } from "../support/fleet-keys.js";
import { Cleanup, expectNoLeak, scanRepo, scanReport } from "../support/secret-scan.js";
import { describeWithTools } from "../support/tools.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** A repository's own config that keeps gitleaks' default rules and nothing of the fleet's. */
const PLAIN_DEFAULTS = `[extend]\nuseDefault = true\n`;

describeWithTools(["git", "gitleaks", "ssh-keygen"], "secret-scan's default rules for NixOS fleets", () => {
  it.each(["github", "forgejo"] as const)("allows the public keys of a fleet and still finds every private one (%s)", async (flavour) => {
    const r = cleanup.repo();
    const publicFiles = publicFleetFiles();
    const privateFiles = privateFleetFiles();
    r.commit("public keys", publicFiles);
    const leak = r.commit("private keys", Object.fromEntries(Object.entries(privateFiles).map(([f, { content }]) => [f, content])));
    const result = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", flavour });
    expect(result.exitCode).toBe(1);
    const report = scanReport(result);
    // peer.nix's line may be reported twice (its public key too, since the line is not allowed).
    const where = [...new Set(report.findings.map((f) => `${f.path}:${f.line}`))].sort();
    expect(where).toEqual(Object.entries(privateFiles).map(([f, { line }]) => `${f}:${line}`).sort());
    expect(report.findings.every((f) => f.commit === leak)).toBe(true);
    expect(report.rules).toMatch(/allowlist of NixOS fleets' public keys/);
    expect(result.log).toContain("Rules: gitleaks' default rules with nix-fleet's allowlist of NixOS fleets' public keys.");
    const secrets = Object.values(privateFiles).flatMap(({ content }) => content.match(/"([A-Za-z0-9+/]{43}=)"|AGE-SECRET-KEY-1\w+/g) ?? []);
    expectNoLeak(result, secrets.map((s) => s.replace(/"/g, "")));
  });

  it("finds nothing in a fleet that holds only public keys, where gitleaks' own rules report them", async () => {
    const r = cleanup.repo();
    r.commit("public keys", publicFleetFiles());
    const fleet = await scanRepo(cleanup, r, { eventName: "workflow_dispatch" });
    expect(fleet.exitCode, fleet.log).toBe(0);
    expect(scanReport(fleet).findings).toEqual([]);
    // The same history under gitleaks' plain defaults: the public keys are what it reports.
    const config = join(mkdtempSync(join(tmpdir(), "plain-config-")), "plain.toml");
    cleanup.push(() => rmSync(join(config, ".."), { recursive: true, force: true }));
    writeFileSync(config, PLAIN_DEFAULTS);
    const plain = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { config } });
    expect(plain.exitCode).toBe(1);
    expect(scanReport(plain).findings.length).toBeGreaterThanOrEqual(3);
    expect(plain.log).toContain(`Rules: the config input (${config}).`);
  });

  it("leaves the choice to the repository: its .gitleaks.toml, GITLEAKS_CONFIG and the config input each win", async () => {
    const r = cleanup.repo();
    r.commit("public keys", { ...publicFleetFiles(), ".gitleaks.toml": PLAIN_DEFAULTS });
    const own = await scanRepo(cleanup, r, { eventName: "workflow_dispatch" });
    expect(own.exitCode).toBe(1);
    expect(own.log).toContain("Rules: the repository's .gitleaks.toml.");
    const ownCount = scanReport(own).findings.length;
    expect(ownCount).toBeGreaterThanOrEqual(3);

    const dir = mkdtempSync(join(tmpdir(), "env-config-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // A config that finds only what it names: nothing of the public keys.
    const narrow = join(dir, "narrow.toml");
    writeFileSync(narrow, `[[rules]]\nid = "never"\nregex = '''never-matches-anything-here'''\n`);
    const fromEnv = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", env: { GITLEAKS_CONFIG: narrow } });
    expect(fromEnv.log).toContain("Rules: GITLEAKS_CONFIG.");
    expect(fromEnv.exitCode, fromEnv.log).toBe(0);
    const fromInput = await scanRepo(cleanup, r, { eventName: "workflow_dispatch", inputs: { config: narrow } });
    expect(fromInput.log).toContain(`Rules: the config input (${narrow}).`);
    expect(fromInput.exitCode).toBe(0);
  });
});
