import { describe, expect, it } from "vitest";
import { remoteAccess, urlCredentials } from "../../src/git/remote-url.js";
import { ZERO_SHA } from "../../src/git/git.js";
import { isSafeRevision, logOpts, otherRefs, parsePublishedRef, parseRangeInput, planFromEvent, planRange, rangeSpec, type ResolvedRange } from "../../src/scan/range.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("parseRangeInput", () => {
  it.each([
    ["auto", { kind: "auto" }],
    ["all", { kind: "all" }],
    ["unpublished", { kind: "unpublished" }],
    ["v1.0..main", { kind: "between", from: "v1.0", to: "main" }],
    ["HEAD~3..HEAD", { kind: "between", from: "HEAD~3", to: "HEAD" }],
    [`${A}..${B}`, { kind: "between", from: A, to: B }],
  ])("%s", (value, expected) => {
    expect(parseRangeInput(value)).toEqual(expected);
  });

  it.each(["main", "a...b", "..b", "a..", "-x..b", "a..--all", "a b..c", "a..b..c", "a..b\tc", "AUTO"])("rejects %j with the expected form", (value) => {
    const parsed = parseRangeInput(value);
    expect(parsed).toHaveProperty("error");
    expect((parsed as { error: string }).error).toMatch(/Expected auto, all, unpublished, or A\.\.B/);
  });
});

describe("isSafeRevision", () => {
  it.each([
    ["main", true],
    ["refs/remotes/mirror/main", true],
    ["HEAD@{upstream}", true],
    ["-n", false],
    ["--all", false],
    ["a b", false],
    ["", false],
    ["a\nb", false],
  ])("%j → %s", (rev, ok) => expect(isSafeRevision(rev)).toBe(ok));
});

describe("parsePublishedRef", () => {
  it.each([
    ["refs/remotes/mirror/main", { kind: "local", ref: "refs/remotes/mirror/main" }],
    ["https://github.com/fleet/infra.git#main", { kind: "remote", url: "https://github.com/fleet/infra.git", branch: "main" }],
    ["git@github.com:fleet/infra.git#refs/heads/release/1", { kind: "remote", url: "git@github.com:fleet/infra.git", branch: "release/1" }],
    ["file:///srv/mirror.git#main", { kind: "remote", url: "file:///srv/mirror.git", branch: "main" }],
  ])("%s", (value, expected) => expect(parsePublishedRef(value)).toEqual(expected));

  it.each(["-main", "#main", "https://x/y.git#", "https://x/y.git#-b", "https://x/y.git#a b", "https://x/y.git#a..b", "https://x/y.git#a:b"])("rejects %j", (value) => {
    expect(parsePublishedRef(value)).toHaveProperty("error");
  });

  it.each(["https://u:TOKEN1234@git.test/x.git", "ssh://git@git.test/x.git", "file:///srv/x.git", "git@github.com:fleet/infra.git"])(
    "takes %j for a URL without #<branch>, never for a local ref, and does not repeat its credentials",
    (value) => {
      const parsed = parsePublishedRef(value) as { error: string };
      expect(parsed.error).toMatch(/is a git URL without a branch: it needs #<branch>/);
      expect(parsed.error).not.toContain("TOKEN1234");
    },
  );
});

describe("planFromEvent", () => {
  it.each([
    ["push", { before: A, after: B, ref: "refs/heads/main" }, { kind: "between", from: A, to: B, why: "push to main", push: { branch: "main", forced: false } }],
    ["push", { before: A, after: B, ref: "refs/heads/main", forced: true }, { kind: "between", from: A, to: B, why: "force push to main", push: { branch: "main", forced: true } }],
    ["push", { before: ZERO_SHA, after: B, ref: "refs/heads/feature/x" }, { kind: "new-branch", tip: B, branch: "feature/x", why: "push created feature/x" }],
    ["push", { before: A, after: B, ref: "refs/heads/x", created: true }, { kind: "new-branch", tip: B, branch: "x", why: "push created x" }],
    // Forgejo may leave out before on a new branch.
    ["push", { after: B, ref: "refs/heads/x" }, { kind: "new-branch", tip: B, branch: "x", why: "push created x" }],
    ["push", { before: A, after: ZERO_SHA, ref: "refs/heads/x", deleted: true }, { kind: "nothing", why: "push deleted x" }],
    ["push", { before: ZERO_SHA, after: C, ref: "refs/tags/v1" }, { kind: "new-branch", tip: C, branch: "v1", why: "push created v1" }],
    ["pull_request", { pull_request: { base: { sha: A }, head: { sha: B } } }, { kind: "between", from: A, to: B, why: "pull request" }],
    ["pull_request_target", { pull_request: { base: { sha: A }, head: { sha: B } } }, { kind: "between", from: A, to: B, why: "pull request" }],
    ["workflow_dispatch", {}, { kind: "all", why: "workflow_dispatch: the whole history" }],
    ["schedule", {}, { kind: "all", why: "schedule: the whole history" }],
    ["release", {}, { kind: "all", why: "release event: the whole history" }],
    ["", {}, { kind: "local", why: "not yet pushed upstream" }],
  ])("%s %j", (eventName, event, expected) => {
    expect(planFromEvent(eventName, event)).toEqual(expected);
  });

  it.each([
    ["push", { before: A, ref: "refs/heads/main" }, /no 'after' commit/],
    ["push", { before: A, after: "main", ref: "refs/heads/main" }, /no 'after' commit/],
    ["pull_request", { pull_request: { base: { sha: A } } }, /pull_request\.base\.sha and pull_request\.head\.sha/],
  ])("refuses a %s payload without commits: %j", (eventName, event, message) => {
    expect(() => planFromEvent(eventName, event)).toThrow(message);
  });
});

describe("planRange", () => {
  it("takes inputs over the event", () => {
    const push = { before: A, after: B, ref: "refs/heads/main" };
    expect(planRange({ kind: "all" }, "push", push, undefined).kind).toBe("all");
    expect(planRange({ kind: "between", from: "v1", to: "v2" }, "push", push, undefined)).toMatchObject({ kind: "between", from: "v1", to: "v2" });
    expect(planRange({ kind: "unpublished" }, "push", push, { kind: "local", ref: "mirror/main" })).toMatchObject({ kind: "unpublished", tip: "HEAD" });
    expect(planRange({ kind: "auto" }, "push", push, undefined)).toMatchObject({ kind: "between", from: A, to: B });
  });
});

describe("otherRefs", () => {
  const refs = [
    { name: "refs/heads/feature", sha: B },
    { name: "refs/remotes/origin/feature", sha: B },
    { name: "refs/remotes/origin/HEAD", sha: A },
    { name: "refs/remotes/origin/main", sha: A },
    { name: "refs/heads/main", sha: A },
    { name: "refs/tags/v1", sha: C },
    { name: "refs/remotes/origin/feature-2", sha: C },
    { name: "refs/nix-fleet/x", sha: C },
  ];
  it("leaves out the pushed branch's own refs and symbolic HEADs", () => {
    expect(otherRefs(refs, "feature").map((r) => r.name)).toEqual(["refs/remotes/origin/main", "refs/heads/main", "refs/tags/v1", "refs/remotes/origin/feature-2"]);
  });
});

describe("rangeSpec and logOpts", () => {
  // .gitattributes (-diff, binary, textconv) must not turn a secret's diff into "Binary files differ".
  const TEXT = "--no-merges --text --no-textconv --no-ext-diff";
  const cases: [ResolvedRange, string, string][] = [
    [{ include: [B], exclude: [A], why: "" }, `${A}..${B}`, `${TEXT} ${B} --not ${A}`],
    [{ include: [B], exclude: [A, C], why: "" }, `${B} ^${A} ^${C}`, `${TEXT} ${B} --not ${A} ${C}`],
    [{ include: [B], exclude: [], why: "" }, B, `${TEXT} ${B}`],
    [{ include: "all", exclude: [], why: "" }, "--all", `${TEXT} --full-history --all`],
  ];
  it.each(cases)("%j", (range, spec, opts) => {
    expect(rangeSpec(range)).toBe(spec);
    expect(logOpts(range)).toBe(opts);
  });

  it("never builds --log-opts from an unresolved revision", () => {
    expect(() => logOpts({ include: ["main --all"], exclude: [], why: "" })).toThrow(/not a resolved commit/);
    expect(() => logOpts({ include: [B], exclude: ["-n"], why: "" })).toThrow(/not a resolved commit/);
  });
});

const basic = (s: string) => Buffer.from(s).toString("base64");

describe("urlCredentials", () => {
  it.each([
    ["https://x-access-token:ghs_abcdef123456@github.com/fleet/infra.git", ["x-access-token:ghs_abcdef123456", "ghs_abcdef123456", basic("x-access-token:ghs_abcdef123456")]],
    ["https://ghp_tokenonly12345@example.test/infra.git#main", ["ghp_tokenonly12345", basic("ghp_tokenonly12345:")]],
    ["https://u:p%40ss%2Fword@example.test/infra.git", ["u:p%40ss%2Fword", "p%40ss%2Fword", "p@ss/word", basic("u:p@ss/word")]],
    ["ssh://forgejo:hunter22@git.fleet.test/infra.git", ["forgejo:hunter22", "hunter22"]],
    ["https://github.com/fleet/infra.git", []],
    ["ssh://forgejo@git.fleet.test/infra.git", []],
    ["git@github.com:fleet/infra.git", []],
  ])("%s", (url, secrets) => expect(urlCredentials(url)).toEqual(secrets));
});

describe("remoteAccess", () => {
  it("moves https credentials into an Authorization header given through the environment", () => {
    expect(remoteAccess("https://u:TOKEN@git.test/x.git", { GIT_CONFIG_COUNT: "1" })).toEqual({
      url: "https://git.test/x.git",
      env: {
        GIT_TERMINAL_PROMPT: "0",
        GIT_CONFIG_COUNT: "3",
        GIT_CONFIG_KEY_1: "http.extraHeader",
        GIT_CONFIG_VALUE_1: `Authorization: Basic ${basic("u:TOKEN")}`,
        GIT_CONFIG_KEY_2: "credential.helper",
        GIT_CONFIG_VALUE_2: "",
      },
    });
  });

  it.each([
    ["https://git.test/x.git", "https://git.test/x.git"],
    ["ssh://git:pw@git.test/x.git", "ssh://git@git.test/x.git"],
    ["file:///srv/x.git", "file:///srv/x.git"],
  ])("leaves %s without credentials as %s", (url, shown) => {
    expect(remoteAccess(url, {})).toEqual({ url: shown, env: {} });
  });
});
