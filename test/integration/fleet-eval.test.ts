import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readBuildMatrixOptions } from "../../src/actions/build-matrix/options.js";
import { failureMessage as planFailure, runBuildMatrix } from "../../src/actions/build-matrix/run.js";
import { readFlakeCheckOptions } from "../../src/actions/flake-check/options.js";
import { runFlakeCheck } from "../../src/actions/flake-check/run.js";
import { evaluateFleet, type FleetEvaluation } from "../../src/fleet/evaluate.js";
import { Nix } from "../../src/nix/nix.js";
import { Inputs } from "../../src/runner/inputs.js";
import { UserError } from "../../src/runner/user-error.js";
import { breakages, makeFleet, testNixConfig, useTestNixConfig, type FleetEdits } from "../support/nix.js";
import { RecordingRuntime } from "../support/recording-runtime.js";
import { tempDirs } from "../support/temp-dirs.js";
import { describeEachNix } from "../support/nix-versions.js";

/**
 * The one evaluation of a fleet (src/fleet/evaluate.ts) as flake-check, plan and build use it:
 * errors that `nix flake check` lets pass, what a broken host costs in Nix processes, positions
 * in the repository, evaluation flags, and the limits of the running Nix.
 */

useTestNixConfig();
const { temp, made } = tempDirs();

function fleet(edits: FleetEdits = {}, options: { git?: boolean } = {}) {
  const f = makeFleet(edits, options);
  made.push(f.root);
  return f;
}

/** Edits a file of a fleet already made, as the stacked edits of a test need. */
function chain(...edits: FleetEdits[]): FleetEdits {
  const out: FleetEdits = {};
  for (const e of edits) {
    for (const [file, edit] of Object.entries(e)) {
      const before = out[file];
      if (typeof edit === "string") {
        out[file] = edit;
        continue;
      }
      out[file] = (old: string) => {
        const prior = before === undefined ? old : typeof before === "function" ? before(old) : before;
        return edit(prior);
      };
    }
  }
  return out;
}

/**
 * NixOS-style typed options in the fake lib: a definition of the wrong type throws, as the merge
 * of lib.mkOptionType does, when the toplevel's attributes are evaluated (never when
 * `nix flake check` only asks whether the toplevel is a derivation).
 */
const typedOptions: FleetEdits = {
  "lib/default.nix": (s) =>
    s
      .replace(
        "  failedAssertions = config:",
        `  listOfStrings = option: host: value:
    if builtins.isList value && builtins.all builtins.isString value then value
    else throw "A definition for option \`\${option}' is not of type \`list of string'. Definition values:\\n- In host \${host}: a list holding \${builtins.concatStringsSep ", " (map builtins.typeOf value)}";

  failedAssertions = config:`,
      )
      .replace(
        'services = builtins.concatStringsSep " " (config.services or [ ]);',
        'services = builtins.concatStringsSep " " (listOfStrings "services" name (config.services or [ ]));',
      ),
};

/** NixOS checks assertions where the toplevel is built from them: in its attributes. */
const assertionsInToplevel: FleetEdits = {
  "lib/default.nix": (s) =>
    s
      .replace("config = checkAssertions (import module { inherit name; });", "config = import module { inherit name; };")
      .replace("hostName = config.networking.hostName;\n", 'hostName = config.networking.hostName;\n          assertions = builtins.seq (checkAssertions config) "ok";\n'),
};

/** A module every host imports, with a value of the wrong type in it. */
const sharedModuleTypeError: FleetEdits = {
  "lib/common.nix": '{\n  services = [ "openssh" 22 ];\n}\n',
  "lib/default.nix": (s) =>
    s.replace(
      "config = checkAssertions (import module { inherit name; });",
      "config = let own = checkAssertions (import module { inherit name; }); common = import ./common.nix; in own // { services = (own.services or [ ]) ++ common.services; };",
    ),
};

const webTypeError: FleetEdits = { "hosts/web.nix": (s) => s.replace('services = [ "nginx" "acme" ];', 'services = [ "nginx" 443 ];') };
const webThrows: FleetEdits = {
  "hosts/web.nix": (s) => s.replace('services = [ "nginx" "acme" ];', 'services = [ "nginx" (throw "acme needs an e-mail address for its account") ];'),
};
/** Not a throw: tryEval cannot catch it, and the whole evaluation fails. */
const webCoercion: FleetEdits = webTypeError;

/** `count` more hosts (node-0 ..), each a copy of mgmt, and the hosts named in `broken` given a module of their own. */
function manyHosts(count: number, broken: Record<string, string> = {}): FleetEdits {
  const edits: FleetEdits = {
    "flake.nix": (s) =>
      s.replace(
        "mgmt = ./hosts/mgmt.nix;\n      };",
        `mgmt = ./hosts/mgmt.nix;\n      } // builtins.listToAttrs (builtins.genList (i: { name = "node-\${toString i}"; value = ./hosts/mgmt.nix; }) ${count})\n        // {\n${Object.keys(broken)
          .map((h) => `        ${h} = ./hosts/${h}.nix;`)
          .join("\n")}\n      };`,
      ),
  };
  for (const [host, services] of Object.entries(broken)) {
    edits[`hosts/${host}.nix`] = `{ name, ... }:\n{\n  networking.hostName = name;\n  services = ${services};\n  assertions = [ ];\n}\n`;
  }
  return edits;
}

/** What a bare `nix flake check` says: the check the toolkit relied on alone before. */
function bareFlakeCheck(flake: string): number {
  const r = spawnSync("nix", ["flake", "check", "--no-build", flake], {
    env: { ...process.env, NIX_CONFIG: `${testNixConfig}\nextra-experimental-features = nix-command flakes` },
    encoding: "utf8",
  });
  return r.status ?? -1;
}

async function check(flake: string, given: Record<string, string> = {}) {
  const runtime = new RecordingRuntime();
  const inputs = new Inputs((name) => ({ flake, ...given })[name]);
  const options = readFlakeCheckOptions(inputs, { GITHUB_WORKSPACE: flake, RUNNER_TEMP: temp("report-") }, flake);
  const report = await runFlakeCheck(options, { runtime });
  return { report, runtime };
}

async function plan(values: Record<string, string>, evaluation?: FleetEvaluation) {
  const runtime = new RecordingRuntime();
  const inputs = new Inputs((name) => values[name], (s) => runtime.setSecret(s));
  const options = readBuildMatrixOptions(inputs, { GITHUB_WORKSPACE: values.flake, RUNNER_TEMP: temp("runner-temp-") }, values.flake);
  const report = await runBuildMatrix(options, { runtime, evaluation });
  return { report, runtime, reportFile: JSON.parse(readFileSync(runtime.outputs.report ?? "", "utf8")) as typeof report };
}

describeEachNix("flake-check instantiates every host: what nix flake check lets pass", () => {
  it.each([
    ["an option type error in one host", chain(typedOptions, webTypeError), ["web"], /is not of type `list of string'/],
    ["an option type error in a module every host imports", chain(typedOptions, sharedModuleTypeError), ["db", "mgmt", "web"], /is not of type `list of string'/],
    ["a failed assertion checked in the toplevel's attributes", chain(assertionsInToplevel, breakages.dbAssertion), ["db"], /postgresql must not listen on a privileged port/],
    ["a throw in the host's packages", webThrows, ["web"], /acme needs an e-mail address/],
    ["a value of the wrong type for a builtin (no throw: tryEval cannot catch it)", webCoercion, ["web"], /cannot coerce an integer to a string/],
  ])("%s: nix flake check passes it, flake-check names the host broken at file:line", async (_name, edits, broken, message) => {
    const f = fleet(edits);
    expect(bareFlakeCheck(f.flake)).toBe(0);
    const { report, runtime } = await check(f.flake, { "build-checks": "false" });
    expect(report.result).toBe("failure");
    expect(report.brokenHosts).toEqual(broken);
    for (const host of broken) {
      const error = report.hosts.find((h) => h.host === host)?.errors[0];
      expect(error?.message).toMatch(message);
      expect(error?.file).toMatch(/^(lib|hosts)\/[a-z]+\.nix$/);
      expect(error?.line).toBeGreaterThan(0);
    }
    expect(report.hosts.filter((h) => h.status === "ok").map((h) => h.host)).toEqual(["db", "mgmt", "web"].filter((h) => !broken.includes(h)));
    // One annotation per broken host, each at its file:line.
    const hostAnnotations = runtime.annotations.filter((a) => a.title?.startsWith("host "));
    expect(hostAnnotations).toHaveLength(broken.length);
    expect(hostAnnotations.every((a) => a.file && a.line)).toBe(true);
  });
});

describeEachNix("what one broken host costs: Nix processes, not one per good host", () => {
  it("a throw among 18 hosts: one evaluation of all, and one of the broken host alone for its message", async () => {
    const f = fleet(manyHosts(14, { broken: '[ "nginx" (throw "broken on purpose") ]' }));
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, []);
    expect(evaluation.failed.map((x) => x.host)).toEqual(["broken"]);
    expect(evaluation.failed[0]?.errors[0]?.message).toContain("broken on purpose");
    expect(evaluation.hosts).toHaveLength(17);
    expect(evaluation.nixCalls).toBe(2);
  });

  it("an error tryEval cannot catch among 18 hosts: the host named by the trace, and the hosts after it again in two halves", async () => {
    const f = fleet(manyHosts(14, { broken: '[ "nginx" 443 ]' }));
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, []);
    expect(evaluation.failed.map((x) => x.host)).toEqual(["broken"]);
    expect(evaluation.failed[0]?.errors[0]?.message).toContain("cannot coerce an integer to a string");
    expect(evaluation.hosts).toHaveLength(17);
    // The failed call (which traced the names and the hosts before the broken one), then the
    // hosts after it in two halves.
    expect(evaluation.nixCalls).toBe(3);
  });

  it("an uncatchable error in the last host: the hosts before it come from the failed call's trace, no second evaluation", async () => {
    const f = fleet(manyHosts(14, { "zz-broken": '[ "nginx" 443 ]' }));
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, []);
    expect(evaluation.failed.map((x) => x.host)).toEqual(["zz-broken"]);
    expect(evaluation.hosts).toHaveLength(17);
    // Only the failed call: every other host was traced as done before it.
    expect(evaluation.nixCalls).toBe(1);
    const fresh = await evaluateFleet(await Nix.create(), fleet(manyHosts(14)).flake, []);
    expect(evaluation.hosts).toEqual(fresh.hosts);
  });

  it("two uncatchable and one throw among 20 hosts: every good host evaluated, a few processes more per broken host", async () => {
    const f = fleet(manyHosts(14, { "bad-a": '[ 1 ]', "bad-b": "[ { } ]", "bad-c": '[ (throw "c") ]' }));
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, []);
    expect(evaluation.failed.map((x) => x.host)).toEqual(["bad-a", "bad-b", "bad-c"]);
    expect(evaluation.hosts.map((h) => h.host)).toEqual(["db", "mgmt", ...Array.from({ length: 14 }, (_, i) => `node-${i}`).sort(), "web"]);
    expect(evaluation.nixCalls).toBeLessThanOrEqual(9);
  });

  it("an error whose trace names no host (here: printing the JSON) among 18 hosts: halves, down to the host that fails alone", async () => {
    // A toplevel that is no derivation, with a function for its system: Nix fails while printing
    // the result, outside any host's error context.
    const odd = {
      "flake.nix": (s: string) =>
        s.replace(
          "lib.mkHost { inherit name system; module = file; }) hosts",
          'lib.mkHost { inherit name system; module = file; }) hosts // { odd.config.system.build.toplevel = { drvPath = "/nix/store/x.drv"; outPath = "/nix/store/x"; system = x: x; }; }',
        ),
    };
    const f = fleet(chain(manyHosts(14), odd));
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, []);
    expect(evaluation.failed.map((x) => x.host)).toEqual(["odd"]);
    expect(evaluation.failed[0]?.errors[0]?.message).toContain("cannot convert a function to JSON");
    expect(evaluation.hosts).toHaveLength(17);
    // The failed call, the list of names, then two calls per halving: log2(18) rounded up is 5.
    expect(evaluation.nixCalls).toBeLessThanOrEqual(2 + 2 * 5);
  });

  it("a selected host the flake lacks is named, not dropped", async () => {
    const f = fleet();
    const evaluation = await evaluateFleet(await Nix.create(), f.flake, ["web", "nosuch"]);
    expect(evaluation.hosts.map((h) => h.host)).toEqual(["web"]);
    expect(evaluation.failed).toEqual([{ host: "nosuch", errors: [{ message: "the flake has no nixosConfigurations.nosuch", trace: [], ignored: false }] }]);
  });
});

describeEachNix("plan and build report evaluation errors at repository file:line", () => {
  it("plan: the JSON report, the annotation and the summary carry hosts/web.nix:4, never a store path", async () => {
    const f = fleet(breakages.webUndefined);
    const { report, runtime, reportFile } = await plan({ flake: f.flake });
    const web = reportFile.hosts.find((h) => h.host === "web");
    expect(web).toMatchObject({ status: "eval-failed", error: "undefined variable 'acmeClient'", file: "hosts/web.nix", line: 4, column: 24 });
    expect(report.result).toBe("failure");
    const annotation = runtime.annotations.find((a) => a.title === "host web failed to evaluate");
    expect(annotation).toMatchObject({ file: "hosts/web.nix", line: 4 });
    const text = JSON.stringify(reportFile) + runtime.log;
    expect(text).not.toMatch(/<unknown-file>|\/nix\/store\/[0-9a-z]{32}-source/);
    expect(runtime.log).toContain("(hosts/web.nix:4:24)");
  });

  it("plan of a failed assertion points into the repository (the innermost frame there)", async () => {
    const f = fleet(breakages.dbAssertion);
    const { reportFile } = await plan({ flake: f.flake });
    expect(reportFile.hosts.find((h) => h.host === "db")).toMatchObject({ status: "eval-failed", file: "lib/default.nix" });
  });

  it("build (one matrix job): an evaluation error is reported as one, at its file:line", async () => {
    const f = fleet(breakages.webUndefined);
    const { reportFile } = await plan({ flake: f.flake, mode: "build", host: "web" });
    expect(reportFile.hosts).toEqual([expect.objectContaining({ host: "web", status: "eval-failed", file: "hosts/web.nix", line: 4 })]);
  });

  it("a file git does not track is pointed at the line that names it, not the host's definition", async () => {
    const f = fleet({}, { git: true });
    writeFileSync(join(f.root, "hosts", "extra.nix"), "{ name, ... }: { networking.hostName = name; }\n");
    const flakeText = readFileSync(join(f.root, "flake.nix"), "utf8").replace("mgmt = ./hosts/mgmt.nix;", "mgmt = ./hosts/mgmt.nix;\n        extra = ./hosts/extra.nix;");
    writeFileSync(join(f.root, "flake.nix"), flakeText);
    const line = flakeText.split("\n").findIndex((l) => l.includes("./hosts/extra.nix")) + 1;
    const { report } = await check(f.flake);
    expect(report.brokenHosts).toEqual(["extra"]);
    const error = report.hosts.find((h) => h.host === "extra")?.errors[0];
    expect(error).toMatchObject({ file: "flake.nix", line });
    expect(error?.message).toContain("hosts/extra.nix exists in the work tree but git does not track it");
    const planned = await plan({ flake: f.flake });
    expect(planned.reportFile.hosts.find((h) => h.host === "extra")).toMatchObject({ status: "eval-failed", file: "flake.nix", line });
  });
});

describeEachNix("the gate plans from flake-check's evaluation", () => {
  it("the same plan as a fresh evaluation, with no evaluation of its own; a selected host the flake lacks refused", async () => {
    const f = fleet(breakages.dbAssertion);
    let evaluation: FleetEvaluation | undefined;
    const runtime = new RecordingRuntime();
    const inputs = new Inputs((name) => ({ flake: f.flake, "build-checks": "false" })[name]);
    await runFlakeCheck(readFlakeCheckOptions(inputs, { GITHUB_WORKSPACE: f.flake, RUNNER_TEMP: temp("report-") }, f.flake), { runtime, onEvaluation: (e) => (evaluation = e) });
    expect(evaluation?.hosts.map((h) => h.host)).toEqual(["mgmt", "web"]);

    const fresh = await plan({ flake: f.flake, hosts: "web,db" });
    const reused = await plan({ flake: f.flake, hosts: "web,db" }, evaluation);
    expect(reused.runtime.log).toContain("Planning 2 hosts from flake-check's evaluation (no new evaluation): 1 failed.");
    expect(reused.report.matrix).toEqual(fresh.report.matrix);
    expect(reused.report.hosts.map((h) => [h.host, h.status, h.file, h.error?.split("\n")[0]])).toEqual(fresh.report.hosts.map((h) => [h.host, h.status, h.file, h.error?.split("\n")[0]]));
    // A selected host the flake lacks is the input's mistake, found from the same evaluation.
    await expect(plan({ flake: f.flake, hosts: "web,nosuch" }, evaluation)).rejects.toThrow("Invalid input 'hosts': 'nosuch' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, mgmt, web.");
  });
});

describeEachNix("evaluation flags reach every evaluation and build", () => {
  /** A fleet whose input cannot be fetched unless it is overridden, as a CI checkout of a private input might be. */
  function overriddenFleet() {
    const site = temp("site-");
    writeFileSync(join(site, "flake.nix"), '{ outputs = { self }: { suffix = "-staging"; }; }\n');
    const f = fleet({
      "flake.nix": (s) =>
        s
          .replace("outputs = { self }:", 'inputs.site.url = "path:/nonexistent/fleet-site";\n  outputs = { self, site }:')
          .replace("lib.mkHost { inherit name system; module = file; }", "lib.mkHost { name = name + site.suffix; inherit system; module = file; }"),
    });
    return { flake: f.flake, extraArgs: `--override-input site path:${site}` };
  }

  it("plan without the override cannot list the hosts and says so; with it, every host is planned from the override", async () => {
    const { flake, extraArgs } = overriddenFleet();
    const without = await plan({ flake });
    expect(without.report.result).toBe("failure");
    expect(without.report.listing?.message).toContain("/nonexistent/fleet-site");
    expect(planFailure(without.report)).toMatch(/^could not list the hosts: /);
    expect(without.runtime.log).toContain("The hosts could not be listed, so nothing was planned");
    expect(without.runtime.log).not.toMatch(/\b0 hosts in\b/);

    const withFlags = await plan({ flake, "extra-args": extraArgs });
    expect(withFlags.report.result).toBe("success");
    expect(withFlags.report.matrix.include.map((e) => e.host)).toEqual(["db", "mgmt", "web"]);
    expect(withFlags.report.matrix.include.find((e) => e.host === "web")?.out).toMatch(/-nixos-system-web-staging$/);
  });

  it("build (one job, evaluated there) and flake-check take the same flags", async () => {
    const { flake, extraArgs } = overriddenFleet();
    const built = await plan({ flake, mode: "build", host: "web", "extra-args": extraArgs });
    expect(built.report.hosts[0]).toMatchObject({ host: "web", status: "built" });
    expect(built.report.hosts[0]?.out).toMatch(/-nixos-system-web-staging$/);
    const { report } = await check(flake, { "extra-args": extraArgs, "build-checks": "false" });
    expect(report.result).toBe("success");
    expect(report.hosts.map((h) => h.host)).toEqual(["db", "mgmt", "web"]);
  });
});

describeEachNix("the limits of the running Nix, explained", (nixUnderTest) => {
  /** A fleet with a relative path input, locked as newer Nix locks it: no narHash. */
  function relativePathInput() {
    const f = fleet({
      "flake.nix": (s) => s.replace("outputs = { self }:", 'inputs.site.url = "path:./site";\n  outputs = { self, site }:'),
      "site/flake.nix": '{ outputs = { self }: { }; }\n',
      "flake.lock": JSON.stringify({
        nodes: {
          root: { inputs: { site: "site" } },
          site: { locked: { path: "./site", type: "path" }, original: { path: "./site", type: "path" }, parent: [] },
        },
        root: "root",
        version: 7,
      }),
    });
    mkdirSync(join(f.flake, "site"), { recursive: true });
    return f.flake;
  }

  it("a lock file with a relative path input: on a Nix that cannot read it, a UserError naming the Nix needed", async () => {
    const flake = relativePathInput();
    // The version the toolkit detects is the one under test (its refusal keys on it).
    const { version } = await Nix.create();
    expect(`${version.major}.${version.minor}`).toBe(nixUnderTest.version);
    if (nixUnderTest.version !== "2.8") {
      // Nix 2.26 reads relative path inputs: the fleet is simply checked.
      const { report } = await check(flake, { "build-checks": "false" });
      expect(report.hosts.map((h) => h.host)).toEqual(["db", "mgmt", "web"]);
      return;
    }
    const error = await check(flake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).problem).toContain("relative path input");
    expect((error as UserError).fix).toMatch(/Nix 2\.26 or newer/);
    const planned = await plan({ flake }).catch((e: unknown) => e);
    expect(planned).toBeInstanceOf(UserError);
  });
});
