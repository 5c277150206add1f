import { describe, expect, it } from "vitest";
import { Inputs, InputError, cliOptionLabel, splitArgs } from "../../src/runner/inputs.js";
import { detectPlatform } from "../../src/runner/platform.js";
import { nixArgsSecrets, nixConfigSecrets, readNixConfig } from "../../src/nix/flake-ref.js";
import { neutralized } from "../../src/runner/neutralize.js";
import { COMMANDS } from "../../src/cli/commands.js";
import { Report, renderMarkdown, renderText } from "../../src/runner/report.js";
import { annotationText } from "../../src/runner/runtime.js";
import { TerminalRuntime } from "../../src/runner/terminal-runtime.js";
import { applyMasks, parseCommandFile } from "../support/runner-harness.js";

const inputs = (values: Record<string, string>) => new Inputs((n) => values[n]);

describe("Inputs", () => {
  it.each([
    ["true", true],
    ["false", false],
    ["True", true],
    ["FALSE", false],
    ["", true],
    ["  ", true],
  ])("bool %j", (raw, expected) => {
    expect(inputs({ x: raw }).bool("x", true)).toBe(expected);
  });

  it.each([
    { get: (i: Inputs) => i.bool("keep-going", true), raw: "yes", error: "Invalid input 'keep-going': 'yes' is not a boolean. Expected true or false." },
    { get: (i: Inputs) => i.int("keep-going", 1, { min: 1, max: 64 }), raw: "4x", error: "Invalid input 'keep-going': '4x' is not a whole number. Expected a whole number from 1 to 64." },
    { get: (i: Inputs) => i.int("keep-going", 1, { min: 1, max: 64 }), raw: "0", error: "Invalid input 'keep-going': 0 is out of range. Expected a whole number from 1 to 64." },
    { get: (i: Inputs) => i.int("keep-going", 1, { min: 1 }), raw: "NaN", error: "Invalid input 'keep-going': 'NaN' is not a whole number. Expected a whole number of at least 1." },
    { get: (i: Inputs) => i.oneOf("keep-going", ["plan", "build"] as const, "plan"), raw: "deploy", error: "Invalid input 'keep-going': 'deploy' is not allowed. Expected one of: plan, build." },
    { get: (i: Inputs) => i.args("keep-going"), raw: "--option 'a b", error: "Invalid input 'keep-going': unbalanced ' quote." },
  ])("rejects $raw with the input's name and the expected form", ({ get, raw, error }) => {
    expect(() => get(inputs({ "keep-going": raw }))).toThrow(InputError);
    expect(() => get(inputs({ "keep-going": raw }))).toThrow(error);
  });

  it("names CLI options as options", () => {
    const cli = new Inputs((n) => ({ flake: "x" })[n], undefined, cliOptionLabel);
    expect(() => cli.required("hosts", "a list of host names")).toThrow("Invalid option --hosts: it is required. Expected a list of host names.");
  });

  it("reads lists separated by newlines or commas, blanks dropped", () => {
    expect(inputs({ hosts: "web, db\n\n mgmt ,\n" }).list("hosts")).toEqual(["web", "db", "mgmt"]);
    expect(inputs({}).list("hosts")).toEqual([]);
  });

  it("masks a secret, and each line of a multi-line one, before returning it", () => {
    const masked: string[] = [];
    const i = new Inputs((n) => ({ key: "-----BEGIN KEY-----\nAAAAsecret\n-----END KEY-----\n" })[n], (s) => masked.push(s));
    expect(i.secret("key")).toContain("AAAAsecret");
    expect(masked).toEqual(expect.arrayContaining(["AAAAsecret", "-----BEGIN KEY-----"]));
    expect(i.secret("missing")).toBeUndefined();
  });

  it.each([
    ["", []],
    ["--option max-jobs 4", ["--option", "max-jobs", "4"]],
    [`--option system-features "kvm big-parallel"`, ["--option", "system-features", "kvm big-parallel"]],
    [`-L  ''`, ["-L", ""]],
  ])("splitArgs %j", (text, expected) => {
    expect(splitArgs(text)).toEqual(expected);
  });
});

describe("nixConfigSecrets", () => {
  it("finds the tokens of access-tokens lines, and nothing else", () => {
    expect(nixConfigSecrets("max-jobs = 4\naccess-tokens = github.com=ghp_abc gitlab.example.org=PAT:glpat-x\n extra-access-tokens = h=t0k")).toEqual([
      "ghp_abc",
      "PAT:glpat-x",
      "t0k",
    ]);
    expect(nixConfigSecrets(undefined)).toEqual([]);
  });
});

describe("nixArgsSecrets", () => {
  it("finds tokens passed as arguments", () => {
    expect(nixArgsSecrets(["--access-tokens", "github.com=ghp_a", "--option", "access-tokens", "h=t1 g=t2", "--option", "max-jobs", "4"])).toEqual(["ghp_a", "t1", "t2"]);
  });
});

describe("readNixConfig", () => {
  it("accepts settings, comments and includes, and masks access tokens", () => {
    const masked: string[] = [];
    const i = new Inputs((n) => ({ c: "# cache\nmax-jobs = 4\n\ninclude /etc/nix/extra.conf\naccess-tokens = github.com=ghp_x1" })[n], (s) => masked.push(s));
    expect(readNixConfig(i, "c")).toContain("max-jobs = 4");
    expect(masked).toEqual(["ghp_x1"]);
  });

  it("names the input and the form for a line that is no setting", () => {
    expect(() => readNixConfig(inputs({ "nix-config": "max-jobs = 1\nmax-jobs 4" }), "nix-config")).toThrow(
      "Invalid input 'nix-config': line 2 is not a nix.conf setting. Expected lines of the form 'name = value'.",
    );
    const masked: string[] = [];
    const mistyped = new Inputs((n) => ({ c: "access-tokens: github.com=ghp_typo1" })[n], (s) => masked.push(s));
    expect(() => readNixConfig(mistyped, "c")).toThrow("line 1 is not a nix.conf setting");
    expect(masked).toEqual(["ghp_typo1"]);
  });
});

describe("neutralized", () => {
  it("leaves ordinary text alone and fences text holding a workflow command with an unguessable token", () => {
    expect(neutralized("error: boom\n  at x")).toBe("error: boom\n  at x");
    const fenced = neutralized("error:\n   ::stop-commands::x\n::add-mask::y");
    const token = /^::stop-commands::([0-9a-f]{32})\n/.exec(fenced)?.[1];
    expect(token).toBeTruthy();
    expect(fenced.endsWith(`\n::${token}::`)).toBe(true);
    expect(neutralized("::a")).not.toContain(token as string);
  });
});

describe("detectPlatform", () => {
  it.each([
    [{}, "github"],
    [{ GITHUB_API_URL: "https://api.github.com" }, "github"],
    [{ GITHUB_API_URL: "https://git.example.org/api/v1" }, "forgejo"],
    [{ FORGEJO_ACTIONS: "true" }, "forgejo"],
    [{ GITEA_ACTIONS: "true" }, "forgejo"],
  ])("%j → %s", (env, expected) => {
    expect(detectPlatform(env)).toBe(expected);
  });
});

describe("Report", () => {
  const report = new Report("flake-check: failed")
    .paragraph("3 hosts checked.")
    .table(["Host", "Status"], [["web", "broken | badly"], ["db", "ok"]])
    .list(["one"])
    .code("web: hosts/web.nix:4", "line 1\nline 2");

  it("renders Markdown for the step summary, escaping table cells", () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## flake-check: failed");
    expect(md).toContain("| Host | Status |\n| --- | --- |\n| web | broken \\| badly |\n| db | ok |");
    expect(md).toContain("<details><summary>web: hosts/web.nix:4</summary>");
    const hostile = renderMarkdown(new Report("t").table(["Error"], [["in <nixpkgs/lib> the option `foo' & *bar*"]]));
    expect(hostile).toContain("| in &lt;nixpkgs/lib&gt; the option \\`foo' &amp; \\*bar\\* |");
  });

  it("renders aligned plain text for a log", () => {
    const text = renderText(report);
    expect(text).toContain("flake-check: failed\n===================");
    expect(text).toContain("Host  Status\n----  --------------\nweb   broken | badly\ndb    ok");
    expect(text).toContain("web: hosts/web.nix:4:\n    line 1\n    line 2");
  });

  it("formats annotations as plain log lines", () => {
    expect(annotationText({ level: "error", title: "host web is broken", message: "boom", file: "hosts/web.nix", line: 4, column: 2 })).toBe(
      "error: hosts/web.nix:4:2: host web is broken: boom",
    );
    expect(annotationText({ level: "warning", message: "slow" })).toBe("warning: slow");
  });
});

describe("runner harness file commands", () => {
  it("parses name=value and heredoc records", () => {
    expect(parseCommandFile("a=1\nmatrix<<ghadelimiter_x\n{\"include\":[]}\nline2\nghadelimiter_x\nb=x=y\n")).toEqual({
      a: "1",
      matrix: '{"include":[]}\nline2',
      b: "x=y",
    });
  });

  it("applies ::add-mask:: to later lines, as a runner does", () => {
    expect(applyMasks("before s3cr3t\n::add-mask::s3cr3t\nafter s3cr3t")).toBe("before s3cr3t\nafter ***");
    expect(applyMasks("  ::add-mask::x1\nx1")).toBe("***");
  });

  it("reads no command between ::stop-commands::T and ::T::", () => {
    expect(applyMasks("::stop-commands::T\n::add-mask::x1\n::T::\nx1")).toBe("::add-mask::x1\nx1");
  });

  it("InputError is an Error with the input name", () => {
    const e = new InputError("flake", "bad.");
    expect(e).toBeInstanceOf(Error);
    expect(e.input).toBe("flake");
  });
});

describe("nix-fleet usage", () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))("%s: the usage names every option the command takes", (_name, command) => {
    for (const option of Object.keys(command.options)) expect(command.usage).toMatch(new RegExp(`--${option}(?![\\w-])`));
    // And the other way round: every option the usage shows is one the command takes.
    for (const [, shown] of command.usage.matchAll(/--([a-z][\w-]*)/g)) expect(Object.keys(command.options)).toContain(shown);
  });
});

describe("code blocks and terminal output", () => {
  it("fences a code block so no run of backticks in the text can close it", () => {
    const md = renderMarkdown(new Report("t").code("log", "a ``` b ~~~~ c ````` d"));
    expect(md).toContain("``````text\na ``` b ~~~~ c ````` d\n``````");
  });

  it("the CLI neutralizes everything it prints when it runs inside a runner's step, and only then", () => {
    const printed: string[] = [];
    const hostile = new Report("r").code("error", "bad\n::warning title=injected::from-flake");
    const saved = process.env.GITHUB_ACTIONS;
    try {
      process.env.GITHUB_ACTIONS = "true";
      const inside = new TerminalRuntime((t) => printed.push(t));
      inside.untrusted("::add-mask::x");
      inside.annotate({ level: "error", message: "bad\n::warning::a" });
      inside.warning("w\n##[error]b");
      inside.report(hostile);
      delete process.env.GITHUB_ACTIONS;
      new TerminalRuntime((t) => printed.push(t)).untrusted("::add-mask::y");
    } finally {
      if (saved === undefined) delete process.env.GITHUB_ACTIONS;
      else process.env.GITHUB_ACTIONS = saved;
    }
    expect(printed[0]).toMatch(/^::stop-commands::[0-9a-f]{32}\n::add-mask::x\n::[0-9a-f]{32}::\n$/);
    for (const text of printed.slice(1, 4)) expect(text).toMatch(/^::stop-commands::([0-9a-f]{32})\n[^]*\n::\1::\n$/);
    expect(printed[4]).toBe("::add-mask::y\n");
  });
});
