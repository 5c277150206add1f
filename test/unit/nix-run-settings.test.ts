import { describe, expect, it } from "vitest";
import { buildArgs, evaluationArgs, lockArgs } from "../../src/nix/extra-args.js";
import { runNixConfig } from "../../src/nix/nix-config.js";

describe("which of extra-args each Nix command takes", () => {
  const given = ["--override-input", "site", "path:/srv/site", "--impure", "--option", "max-jobs", "2", "-L", "--arg", "n", "1"];
  it.each([
    ["nix eval", evaluationArgs, ["--override-input", "site", "path:/srv/site", "--impure", "--option", "max-jobs", "2", "--arg", "n", "1"]],
    ["nix flake metadata", lockArgs, ["--override-input", "site", "path:/srv/site", "--option", "max-jobs", "2"]],
    ["nix build <drv>", buildArgs, ["--option", "max-jobs", "2"]],
  ])("%s", (_name, pick, expected) => expect(pick(given)).toEqual(expected));
});

describe("the nix.conf lines of a run", () => {
  it("puts the user's lines first, then caches, keys and netrc, each only when there is one", () => {
    expect(runNixConfig({})).toBe("");
    expect(runNixConfig({ nixConfig: "max-jobs = 2", substituters: ["https://a", "https://b"], trustedPublicKeys: ["k:1"], netrcFile: "/run/n" }).split("\n")).toEqual([
      "max-jobs = 2",
      "extra-substituters = https://a https://b",
      "extra-trusted-public-keys = k:1",
      "netrc-file = /run/n",
    ]);
  });
});
