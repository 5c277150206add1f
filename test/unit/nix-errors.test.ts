import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseNixErrors, type NixError } from "../../src/nix/errors.js";

// Real stderr of `nix flake check --keep-going --show-trace` and `nix eval --show-trace`, Nix 2.8
// and 2.26 (test/fixtures/nix-2.26/ORIGIN.md says how each was captured).
const fixture = (name: string, version = "2.8") => readFileSync(new URL(`../fixtures/nix-${version}/${name}`, import.meta.url), "utf8");
/** The parts of each error a table compares, with source paths repository-relative. */
const summarize = (errors: NixError[]) =>
  errors.map((e) => ({
    ...(e.host ? { host: e.host } : {}),
    ...(e.output ? { output: e.output } : {}),
    message: e.message,
    at: e.position ? [e.position.file.replace(/^\/nix\/store\/[a-z0-9]{32}-source\//, ""), e.position.line, e.position.column] : undefined,
    ignored: e.ignored,
  }));

describe("parseNixErrors on Nix 2.8 output", () => {
  it.each([
    {
      file: "flake-check-two-broken-hosts.stderr",
      expected: [
        { host: "web", message: "undefined variable 'acmeClient'", at: ["hosts/web.nix", 4, 24], ignored: true },
        { host: "db", message: "Failed assertions:\n- postgresql must not listen on a privileged port", at: undefined, ignored: true },
        { output: "checks.x86_64-linux.hostnames-unique", message: "Failed assertions:\n- postgresql must not listen on a privileged port", at: undefined, ignored: true },
      ],
    },
    {
      file: "flake-check-syntax-error.stderr",
      expected: [{ message: "syntax error, unexpected '{'", at: ["flake.nix", 7, 16], ignored: false }],
    },
    {
      file: "flake-check-unattributed.stderr",
      expected: [
        { output: "nixosConfigurations", message: "fleet inventory is incomplete", at: undefined, ignored: true },
        { output: "checks.x86_64-linux.hostnames-unique", message: "fleet inventory is incomplete", at: undefined, ignored: true },
      ],
    },
    {
      file: "flake-check-not-a-flake.stderr",
      expected: [{ message: "getting status of '/nix/store/0j20kwyrhrhzvskjfbkp6vpraxa8254z-source/flake.nix': No such file or directory", at: undefined, ignored: false }],
    },
    {
      file: "eval-host-assertion.stderr",
      expected: [{ message: "Failed assertions:\n- postgresql must not listen on a privileged port", at: undefined, ignored: false }],
    },
  ])("$file", ({ file, expected }) => {
    expect(summarize(parseNixErrors(fixture(file)))).toEqual(expected);
  });

  it("keeps the trace frames with their positions, innermost first", () => {
    const [web] = parseNixErrors(fixture("flake-check-two-broken-hosts.stderr"));
    expect(web?.trace.map((f) => f.text)).toEqual([
      "while evaluating 'failedAssertions'",
      "from call site",
      "while evaluating 'checkAssertions'",
      "from call site",
      "while checking the NixOS configuration 'nixosConfigurations.web'",
    ]);
    expect(web?.trace[0]?.position).toMatchObject({ line: 24, column: 22 });
    expect(web?.trace[4]?.position).toBeUndefined();
  });

  it("names the derivation of a failed build and keeps its log lines", () => {
    const [error] = parseNixErrors(fixture("flake-check-failing-check.stderr"));
    expect(error?.derivation).toMatch(/^\/nix\/store\/[a-z0-9]{32}-check-hostnames-unique\.drv$/);
    expect(error?.message).toContain("> duplicate host names");
  });

  it("names the check whose input failed to build, from the dependencies line", () => {
    const errors = parseNixErrors(fixture("flake-check-failing-dependency.stderr"));
    expect(errors.map((e) => e.derivation?.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ""))).toEqual(["broken-input.drv", "check-dependency-fails.drv"]);
    expect(errors[0]?.message).toContain("> input is broken");
  });

  it("drops the closing summary and ignores warnings and progress", () => {
    const messages = parseNixErrors(fixture("flake-check-two-broken-hosts.stderr")).map((e) => e.message);
    expect(messages.join("\n")).not.toContain("some errors were encountered");
    expect(messages.join("\n")).not.toContain("unknown flake output");
  });

  it.each([
    // Shapes of newer Nix (2.18+), where they differ from 2.8.
    {
      name: "quoted host names",
      stderr: "error:\n       … while checking the NixOS configuration 'nixosConfigurations.\"web.example\"'\n\n       error: boom\n",
      host: "web.example",
    },
    {
      name: "attribute path in the trace",
      stderr: "error:\n       … while evaluating the attribute 'nixosConfigurations.db.config.system.build.toplevel'\n\n       error: boom\n",
      host: "db",
    },
  ])("attributes $name", ({ stderr, host }) => {
    expect(parseNixErrors(stderr)[0]?.host).toBe(host);
  });

  it("reads the shape of Nix 2.18+, where the frames come first and the message last", () => {
    const stderr = [
      "error (ignored): error:",
      "       … while checking the NixOS configuration 'nixosConfigurations.web'",
      "         at /nix/store/9fpv0kjq9a80isa1wkkvrdqsh9dpcn05-source/flake.nix:12:7:",
      "           11|",
      "           12|       web = lib.nixosSystem {",
      "             |       ^",
      "",
      "       … while evaluating the attribute 'value'",
      "         at /nix/store/9fpv0kjq9a80isa1wkkvrdqsh9dpcn05-source/lib/modules.nix:807:9:",
      "",
      "       (stack trace truncated; use '--show-trace' to show the full, detailed trace)",
      "",
      "       error: attribute 'age' missing",
      "",
      "       at /nix/store/d01yixjig8cclax9sdkfzg2hvcgprh60-source/hosts/web/default.nix:60:21:",
      "",
      "           59|          services.tor.settings.MapAddress = [",
      "           60|                  \"x ${config.age.secrets.onion.path}\"",
      "             |                     ^",
    ].join("\n");
    const [error] = parseNixErrors(stderr);
    expect(error).toMatchObject({
      host: "web",
      message: "attribute 'age' missing",
      position: { file: "/nix/store/d01yixjig8cclax9sdkfzg2hvcgprh60-source/hosts/web/default.nix", line: 60, column: 21 },
      ignored: true,
    });
    // Printed outermost first, kept innermost first.
    expect(error?.trace.map((f) => f.position?.line)).toEqual([807, 12]);
  });

  it("reads a bare 'error:' line followed by a multi-line message (2.18+ failed assertions), frames innermost first", () => {
    const stderr = [
      "error:",
      "       … while checking the NixOS configuration 'nixosConfigurations.db'",
      "",
      "       … while evaluating the attribute 'config.system.build.toplevel'",
      "         at /nix/store/hb3n6b9y53cdidh2fkrd4kb7snqh9i0s-source/lib/modules.nix:359:9:",
      "          358|         options = checked options;",
      "          359|         config = checked (removeAttrs config [ \"_module\" ]);",
      "             |         ^",
      "          360|         _module = checked (config._module);",
      "",
      "       … while calling the 'throw' builtin",
      "         at /nix/store/ifvjp38ar4216jk7i9hvwv3m7fi2zfyr-source/lib/default.nix:31:10:",
      "",
      "       (stack trace truncated; use '--show-trace' to show the full, detailed trace)",
      "",
      "       error:",
      "       Failed assertions:",
      "       - postgresql must not listen on a privileged port",
    ].join("\n");
    const [error] = parseNixErrors(stderr);
    expect(error).toMatchObject({ host: "db", message: "Failed assertions:\n- postgresql must not listen on a privileged port", ignored: false });
    expect(error?.position).toBeUndefined();
    expect(error?.trace.map((f) => f.text)).toEqual([
      "while calling the 'throw' builtin",
      "while evaluating the attribute 'config.system.build.toplevel'",
      "while checking the NixOS configuration 'nixosConfigurations.db'",
    ]);
    expect(error?.trace[0]?.position?.line).toBe(31);
  });

  it("ignores colour codes", () => {
    const [error] = parseNixErrors("\x1b[31;1merror:\x1b[0m undefined variable '\x1b[35;1mx\x1b[0m'\n\n       at \x1b[35;1m/nix/store/ifvjp38ar4216jk7i9hvwv3m7fi2zfyr-source/a.nix\x1b[0m:1:2:\n");
    expect(error).toMatchObject({ message: "undefined variable 'x'", position: { line: 1, column: 2 } });
  });

  it("returns nothing for output without errors", () => {
    expect(parseNixErrors("evaluating flake...\nwarning: unknown flake output 'deploy'\nrunning flake checks...\n")).toEqual([]);
  });
});

describe("parseNixErrors on Nix 2.26 output", () => {
  const assertion = "Failed assertions:\n- postgresql must not listen on a privileged port";
  const missing = (path: string) => expect.stringMatching(new RegExp(`^path '/nix/store/[a-z0-9]{32}-source/${path}' does not exist$`));
  it.each([
    {
      file: "flake-check-two-broken-hosts.stderr",
      expected: [
        { host: "web", message: "undefined variable 'acmeClient'", at: ["hosts/web.nix", 4, 24], ignored: true },
        { host: "db", message: assertion, at: undefined, ignored: true },
        { output: "checks.x86_64-linux.hostnames-unique", message: assertion, at: undefined, ignored: true },
      ],
    },
    {
      file: "flake-check-syntax-error.stderr",
      expected: [{ message: "syntax error, unexpected '{', expecting INHERIT", at: ["flake.nix", 7, 16], ignored: false }],
    },
    {
      file: "flake-check-unattributed.stderr",
      expected: [
        { output: "nixosConfigurations", message: "fleet inventory is incomplete", at: undefined, ignored: true },
        { output: "checks.x86_64-linux.hostnames-unique", message: "fleet inventory is incomplete", at: undefined, ignored: true },
      ],
    },
    {
      // The line before, "path '...' does not contain a 'flake.nix', searching up", is not an error.
      file: "flake-check-not-a-flake.stderr",
      expected: [{ message: "could not find a flake.nix file", at: undefined, ignored: false }],
    },
    {
      file: "eval-host-assertion.stderr",
      expected: [{ message: assertion, at: undefined, ignored: false }],
    },
    {
      file: "flake-check-untracked-file.stderr",
      expected: [
        { host: "extra", message: missing("hosts/extra.nix"), at: undefined, ignored: true },
        { output: "checks.x86_64-linux.hostnames-unique", message: missing("hosts/extra.nix"), at: undefined, ignored: true },
      ],
    },
  ])("$file", ({ file, expected }) => {
    expect(summarize(parseNixErrors(fixture(file, "2.26")))).toEqual(expected);
  });

  it("keeps the trace innermost first although 2.26 prints it outermost first, and places a throw at the throw", () => {
    const [web, db] = parseNixErrors(fixture("flake-check-two-broken-hosts.stderr", "2.26"));
    expect(web?.trace.map((f) => f.text)).toEqual([
      "while calling the 'import' builtin",
      "while calling the 'filter' builtin",
      "while calling the 'map' builtin",
      "while calling 'failedAssertions'",
      "from call site",
      "while evaluating a branch condition",
      "while calling 'checkAssertions'",
      "from call site",
      "in the left operand of the update (//) operator",
      "while checking the NixOS configuration 'nixosConfigurations.web'",
    ]);
    expect(web?.trace[0]?.position).toMatchObject({ line: 37, column: 33 });
    expect(web?.trace.at(-1)?.position).toBeUndefined();
    // 2.8 has no frame for the throw builtin; 2.26 points at it (lib/default.nix:32:10).
    expect(db?.trace[0]).toMatchObject({ text: "while calling the 'throw' builtin", position: { line: 32, column: 10 } });
  });

  it("joins a frame's continuation line to its text", () => {
    const errors = parseNixErrors(fixture("flake-check-two-broken-hosts.stderr", "2.26"));
    const frame = errors[2]?.trace.find((f) => f.text.startsWith("while evaluating derivation 'check-hostnames-unique'"));
    expect(frame?.text).toMatch(/^while evaluating derivation 'check-hostnames-unique' whose name attribute is located at \/nix\/store\/[a-z0-9]{32}-source\/lib\/default\.nix:10:15$/);
  });

  it("names the derivations of a failed check and of its failed input, with the log lines", () => {
    const [check] = parseNixErrors(fixture("flake-check-failing-check.stderr", "2.26"));
    expect(check?.derivation).toMatch(/^\/nix\/store\/[a-z0-9]{32}-check-hostnames-unique\.drv$/);
    expect(check?.message).toContain("> duplicate host names");
    const errors = parseNixErrors(fixture("flake-check-failing-dependency.stderr", "2.26"));
    expect(errors.map((e) => e.derivation?.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ""))).toEqual(["broken-input.drv", "check-dependency-fails.drv"]);
    expect(errors[0]?.message).toContain("> input is broken");
  });

  it("ignores the progress lines 2.26 prints between errors and drops the closing summary", () => {
    const stderr = fixture("flake-check-two-broken-hosts.stderr", "2.26");
    expect(stderr).toContain("checking NixOS configuration 'nixosConfigurations.db'...");
    const messages = parseNixErrors(stderr).map((e) => e.message).join("\n");
    expect(messages).not.toContain("checking NixOS configuration");
    expect(messages).not.toContain("some errors were encountered");
  });
});
