import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cacheBase, narinfoHash, narinfoUrl } from "../../src/cache/narinfo.js";
import { displayUrl } from "../../src/git/remote-url.js";
import { formatNetrc, netrcFor, parseNetrc } from "../../src/cache/netrc.js";
import { parsePathInfo } from "../../src/nix/nix.js";

describe("narinfoHash", () => {
  it.each([
    ["/nix/store/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb-nixos-system-web", "8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb"],
    ["/custom/store/873jd1xjidpjcmddr2llga7jlzssjn3j-fleet-base", "873jd1xjidpjcmddr2llga7jlzssjn3j"],
    ["873jd1xjidpjcmddr2llga7jlzssjn3j-x", "873jd1xjidpjcmddr2llga7jlzssjn3j"],
  ])("%s → %s", (path, hash) => expect(narinfoHash(path)).toBe(hash));

  it.each([
    "/nix/store/short-name",
    "/nix/store/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb", // no name
    "/nix/store/8nqfkhfx0iqxim9ggpb1xzcasj7rcfke-x", // 'e' is not in Nix's base32
    "/nix/store/8NQFKHFX0IQXIM9GGPB1XZCASJ7RCFKB-x",
  ])("rejects %s", (path) => expect(() => narinfoHash(path)).toThrow(/not a store path/));

  it.each([
    ["https://cache.example/", "https://cache.example"],
    ["https://cache.example/sub//?priority=30", "https://cache.example/sub"],
    ["file:///tmp/c", "file:///tmp/c"],
  ])("cache base of %s is %s", (url, base) => expect(cacheBase(url)).toBe(base));

  it("builds the narinfo URL", () => {
    expect(narinfoUrl("http://127.0.0.1:5000/?trusted=1", "/nix/store/873jd1xjidpjcmddr2llga7jlzssjn3j-fleet-base")).toBe(
      "http://127.0.0.1:5000/873jd1xjidpjcmddr2llga7jlzssjn3j.narinfo",
    );
  });
});

describe("displayUrl", () => {
  it.each([
    ["https://user:secret@cache.example/x?y=1", "https://***@cache.example/x?y=1"],
    ["http://token@127.0.0.1:5000", "http://***@127.0.0.1:5000"],
    ["https://cache.example/a@b", "https://cache.example/a@b"],
    ["file:///srv/cache", "file:///srv/cache"],
  ])("%s is shown as %s", (url, shown) => expect(displayUrl(url)).toBe(shown));
});

describe("netrc", () => {
  it.each([
    ["machine a.example login u password p", [{ machine: "a.example", login: "u", password: "p" }]],
    ['machine fleet.cachix.org login "" password tok', [{ machine: "fleet.cachix.org", login: "", password: "tok" }]],
    [
      "machine a login u password p\n\n# comment\nmachine b\n  password q\ndefault login d password e",
      [
        { machine: "a", login: "u", password: "p" },
        { machine: "b", login: "", password: "q" },
        { machine: undefined, login: "d", password: "e" },
      ],
    ],
    ['machine a account x login "with space" password "q\\"uote"', [{ machine: "a", login: "with space", password: 'q"uote' }]],
    ["macdef init\ncd /\nls\n\nmachine m login l password p", [{ machine: "m", login: "l", password: "p" }]],
    ["", []],
  ])("parses %j", (text, entries) => expect(parseNetrc(text)).toEqual(entries));

  it("picks the machine's own entry before default", () => {
    const entries = parseNetrc("default login d password e\nmachine a login u password p");
    expect(netrcFor(entries, "a")?.login).toBe("u");
    expect(netrcFor(entries, "b")?.login).toBe("d");
    expect(netrcFor(parseNetrc("machine a login u password p"), "b")).toBeUndefined();
  });

  it("round-trips through formatNetrc", () => {
    const entries = [
      { machine: "x.cachix.org", login: "", password: "t0k" },
      { machine: "y", login: "a b", password: 'p"q' },
    ];
    expect(parseNetrc(formatNetrc(entries))).toEqual(entries);
  });
});

describe("parsePathInfo", () => {
  const path = "/nix/store/8nqfkhfx0iqxim9ggpb1xzcasj7rcfkb-nixos-system-web";
  const ref = "/nix/store/873jd1xjidpjcmddr2llga7jlzssjn3j-fleet-base";
  it("reads the array Nix printed before 2.19", () => {
    expect(parsePathInfo([{ path, narSize: 1144, closureSize: 1672, references: [ref], signatures: ["k:s"] }])).toEqual([
      { path, narSize: 1144, closureSize: 1672, references: [ref], signatures: ["k:s"] },
    ]);
  });
  it("reads the object keyed by path since 2.19, skipping invalid paths", () => {
    expect(parsePathInfo({ [path]: { narSize: 1144, closureSize: 1672, references: [ref] }, "/nix/store/x": null })).toEqual([
      { path, narSize: 1144, closureSize: 1672, references: [ref], signatures: [] },
    ]);
  });
  it("skips an invalid path in the old shape", () => {
    expect(parsePathInfo([{ path, valid: false }])).toEqual([]);
  });
  it("reads what Nix 2.26 really printed, a missing path among them", () => {
    const printed = JSON.parse(readFileSync(new URL("../fixtures/nix-2.26/path-info-closure-size.json", import.meta.url), "utf8"));
    expect(parsePathInfo(printed)).toEqual([
      {
        path: "/nix/store/f5nc32l8dph8sjmgydy2pw3rgr2i4igp-nixos-system-web",
        narSize: 1144,
        closureSize: 1672,
        references: ["/nix/store/z05y0439z0kxrnzkcqcw0gi02w5krvc6-fleet-base"],
        signatures: [expect.stringMatching(/^harmonia-test-1:/)],
      },
    ]);
  });
});
