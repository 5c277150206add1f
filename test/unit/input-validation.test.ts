import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBuildMatrixOptions, unknownHostsProblem } from "../../src/actions/build-matrix/options.js";
import { readFlakeCheckOptions } from "../../src/actions/flake-check/options.js";
import { CACHE_SCHEMES, PUSH_SCHEMES, storeUriProblem } from "../../src/cache/store-uri.js";
import { displayUrl, urlCredentials, urlHasCredentials } from "../../src/git/remote-url.js";
import { extraArgsProblem, extraArgsRejectedByNix } from "../../src/nix/extra-args.js";
import { cliOptionLabel, Inputs } from "../../src/runner/inputs.js";
import { repoRoot } from "../support/runner-harness.js";

const temp = mkdtempSync(join(tmpdir(), "input-validation-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function inputs(values: Record<string, string>, masked: string[] = [], label = cliOptionLabel) {
  return new Inputs((name) => values[name], (s) => masked.push(s), label);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("extra-args that would make the check not check", () => {
  it.each([
    [["--help"], "'--help' prints Nix's help and exits without checking anything"],
    [["--impure", "--version"], "'--version' prints Nix's version"],
    [["-h"], "'-h' asks for Nix's help"],
    [["-vh"], "'-h' asks for Nix's help"],
    [["--help=1"], "'--help' prints Nix's help"],
    [["--dry-run"], "'--dry-run' would only say what would be built"],
    [["--no-build"], "'--no-build' is what the input build-checks: false does"],
    [["--all-systems"], "'--all-systems' is what the input all-systems: true does"],
    [["--no-keep-going"], "'--no-keep-going' is what the input keep-going: false does"],
    [["--log-format", "internal-json"], "'--log-format' changes the error text"],
    [["--override-input", "nixpkgs"], "'--override-input' needs 2 values after it"],
    [["--impure", "--arg", "x"], "'--arg' needs 2 values after it"],
    [["--inputs-from"], "'--inputs-from' needs a value after it"],
  ])("refuses %j", (args, problem) => {
    expect(extraArgsProblem(args)).toContain(problem);
  });

  it.each([
    [[]],
    [["--impure", "--override-input", "nixpkgs", "path:/x"]],
    // Values are never taken for flags.
    [["--arg", "help", "--help"]],
    [["--option", "--version", "x"]],
    [["--argstr", "name", "-h"]],
    [["-L", "--show-trace", "--max-jobs", "2"]],
  ])("takes %j", (args) => {
    expect(extraArgsProblem(args)).toBeUndefined();
  });

  it("is refused as an InputError naming the input, as the CLI names it", () => {
    const message = errorOf(() => readFlakeCheckOptions(inputs({ flake: "examples/fleet", "extra-args": "--impure --help" }), { RUNNER_TEMP: temp }, repoRoot));
    expect(message).toBe(
      "Invalid option --extra-args: '--help' prints Nix's help and exits without checking anything. Expected flags of nix flake check, nix eval and nix build, such as --override-input NAME REF, --impure or --option NAME VALUE, none that stops the check.",
    );
  });

  it("masks tokens in extra-args before refusing anything", () => {
    const masked: string[] = [];
    errorOf(() => readFlakeCheckOptions(inputs({ flake: "examples/fleet", "extra-args": "--access-tokens github.com=ghp_abcdef123456 --help" }, masked), {}, repoRoot));
    expect(masked).toContain("ghp_abcdef123456");
  });
});

describe("Nix refusing an extra argument", () => {
  const help = "\nTry 'nix --help' for more information.\n";
  it.each([
    [`error: unrecognised flag '--no-such-flag'${help}`, ["--no-such-flag"], "Nix does not know the flag '--no-such-flag' (Nix said: unrecognised flag '--no-such-flag')"],
    [`error: unrecognised flag '--keep-going=false'${help}`, ["--keep-going=false"], "Nix does not know the flag '--keep-going=false'"],
    [`error: flag '--max-jobs' requires 1 argument(s)${help}`, ["--max-jobs"], "the flag '--max-jobs' is missing its value"],
    [`error: unexpected argument 'path:/elsewhere'${help}`, ["--impure", "path:/elsewhere"], "'path:/elsewhere' is neither a flag nor a flag's value"],
  ])("names the input for %j", (stderr, args, problem) => {
    expect(extraArgsRejectedByNix(stderr, args)).toContain(problem);
  });

  it.each([
    // A flag the toolkit itself passed is not the user's mistake.
    [`error: unrecognised flag '--all-systems'${help}`, ["--impure"]],
    ["error: undefined variable 'acmeClient'", ["--impure"]],
    ["", []],
  ])("leaves %j to the check's own report", (stderr, args) => {
    expect(extraArgsRejectedByNix(stderr, args)).toBeUndefined();
  });
});

describe("credentials in URLs: one detector for flakes, caches, push targets and git remotes", () => {
  it.each([
    ["git+https://deploy:tok123456@forge.example/fleet.git", true, "git+https://***@forge.example/fleet.git"],
    ["git+https://tok123456@forge.example/fleet.git", true, "git+https://***@forge.example/fleet.git"],
    ["https://tok123456@forge.example/fleet.tar.gz", true, "https://***@forge.example/fleet.tar.gz"],
    ["tarball+https://x@forge.example/f.tar.gz", true, "tarball+https://***@forge.example/f.tar.gz"],
    ["https://forge.example/f.tar.gz?private_token=tok123456", true, "https://forge.example/f.tar.gz?private_token=***"],
    ["git+https://forge.example/f.git?ref=main&access_token=tok123456", true, "git+https://forge.example/f.git?ref=main&access_token=***"],
    ["https://@forge.example/f.tar.gz", true, "https://@forge.example/f.tar.gz"],
    // Shown without any userinfo, as before; only refused when it holds a password.
    ["git+ssh://git@forge.example/fleet.git", false, "git+ssh://***@forge.example/fleet.git"],
    ["git+ssh://git:pw@forge.example/fleet.git", true, "git+ssh://***@forge.example/fleet.git"],
    ["github:fleet/infra?ref=main", false, "github:fleet/infra?ref=main"],
    ["git+https://forge.example/f.git?ref=token", false, "git+https://forge.example/f.git?ref=token"],
    ["path:/srv/fleet?dir=infra", false, "path:/srv/fleet?dir=infra"],
  ])("%s: credentials %s, shown as %s", (url, has, shown) => {
    expect(urlHasCredentials(url)).toBe(has);
    expect(displayUrl(url)).toBe(shown);
    if (url.includes("tok123456")) expect(urlCredentials(url)).toContain("tok123456");
  });

  it.each([
    [{ flake: "git+https://deploy:tok123456@forge.example/fleet.git" }, "flake"],
    [{ flake: "git+https://forge.example/f.git?access_token=tok123456#web" }, "flake"],
    [{ flake: "examples/fleet", caches: "https://cache.example/?token=tok123456" }, "caches"],
  ])("%j: refused naming %s, the token masked and never in the message", (values, name) => {
    const masked: string[] = [];
    const message = errorOf(() => readBuildMatrixOptions(inputs(values, masked), {}, repoRoot));
    expect(message).toMatch(new RegExp(`^Invalid option --${name}: '.*' has credentials in it\\. Expected the URL without them, and `));
    expect(message).not.toContain("tok123456");
    expect(masked).toContain("tok123456");
  });

  it("says where a flake's token goes instead", () => {
    const message = errorOf(() => readFlakeCheckOptions(inputs({ flake: "https://tok123456@forge.example/f.tar.gz" }), {}, repoRoot));
    expect(message).toContain("the token in nix-config instead: 'access-tokens = <host>=<token>'");
    expect(message).toContain("or a netrc for git+https");
  });
});

describe("cache and store URLs", () => {
  it.each([
    ["http://x extra-trusted-public-keys = evil:AAAA", "cache", "has whitespace in it, which Nix would read as more than one substituter"],
    ["http://x\textra-substituters", "cache", "has whitespace"],
    ["http://x#", "cache", "has a '#' in it, which starts a comment in nix.conf"],
    ["cache.example", "cache", "is not a URL with one of the schemes http://, https://, file://, s3://"],
    ["ssh://host", "cache", "is not a URL with one of the schemes"],
    ["ssh-ng://-oProxyCommand=/tmp/x", "push", "names a host starting with '-'"],
    ["ssh://nix@-oProxyCommand=/tmp/x", "push", "names a host starting with '-'"],
    ["ssh-ng://host -oProxyCommand=/tmp/x", "push", "has whitespace in it"],
    ["ssh-ng://", "push", "names no host"],
    ["ftp://cache.example", "push", "is not a URL with one of the schemes ssh-ng://, ssh://, file://, s3://, http://, https://"],
  ] as const)("%j (%s) is refused: %s", (url, use, problem) => {
    expect(storeUriProblem(url, use === "cache" ? CACHE_SCHEMES : PUSH_SCHEMES, use)).toContain(problem);
  });

  it.each([
    ["https://cache.example/", "cache"],
    ["file:///var/cache/nix?priority=10", "cache"],
    ["s3://bucket?region=eu-west-1", "cache"],
    ["ssh-ng://nix-ssh@mgmt", "push"],
    ["ssh://mgmt?ssh-key=/run/key", "push"],
    ["file:///tmp/cache#fragment", "push"],
  ] as const)("%j (%s) is taken", (url, use) => {
    expect(storeUriProblem(url, use === "cache" ? CACHE_SCHEMES : PUSH_SCHEMES, use)).toBeUndefined();
  });

  it.each([
    [{ caches: "http://127.0.0.1:1 extra-trusted-public-keys = evil:AAAA" }, "caches", "has whitespace in it"],
    [{ "push-to": "ssh-ng://-oProxyCommand=/tmp/x", mode: "all" }, "push-to", "names a host starting with '-', which ssh would take for an option. Expected a store URI"],
    [{ "cache-public-keys": `evil#:${"B".repeat(43)}=` }, "cache-public-keys", "is not a Nix public key"],
    // A newline splits list inputs into entries: it cannot carry a second nix.conf line into one.
    [{ "cache-public-keys": `ok:${"B".repeat(43)}=\nextra-substituters = http://evil` }, "cache-public-keys", "'extra-substituters = http://evil' is not a Nix public key"],
  ])("%j is refused when inputs are read, naming %s", (values, name, problem) => {
    const message = errorOf(() => readBuildMatrixOptions(inputs({ flake: "examples/fleet", ...values }), {}, repoRoot));
    expect(message).toContain(`Invalid option --${name}: `);
    expect(message).toContain(problem);
  });
});

describe("hosts the flake lacks", () => {
  it.each([
    [["web", "wbe"], ["db", "mgmt", "web"], "'wbe' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, mgmt, web."],
    [["wbe", "dbb"], ["db", "web"], "'wbe', 'dbb' are not hosts of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake's hosts are db, web."],
    [["web"], [], "'web' is not a host of the flake (nixosConfigurations). Expected names of nixosConfigurations: the flake has no hosts."],
    [["web"], ["web"], undefined],
    [[], ["web"], undefined],
  ])("asked %j of %j", (asked, known, problem) => {
    expect(unknownHostsProblem(asked, known)).toBe(problem);
  });
});
