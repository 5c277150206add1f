import { describe, expect, it } from "vitest";
import { tracedHost, tracedNames } from "../../src/fleet/evaluate.js";

describe("the trace lines of the fleet's one evaluation", () => {
  it.each([
    ['trace: nix-fleet-host {"host":"web","value":{"drv":"/nix/store/a.drv","out":"/nix/store/a","system":"x86_64-linux"}}', ["web"], { host: "web", value: { drv: "/nix/store/a.drv", out: "/nix/store/a", system: "x86_64-linux" } }],
    ['trace: nix-fleet-host {"host":"web","value":null}', undefined, { host: "web", value: null }],
    ['trace: nix-fleet-host {"host":"web","value":null}', ["db"], undefined],
    ['trace: nix-fleet-host {"host":"a\\nb","value":null}', undefined, undefined],
    ['trace: nix-fleet-host {"host":"web","value":{"drv":1}}', undefined, undefined],
    ["trace: something the flake traced itself", undefined, undefined],
    ['warning: nix-fleet-host {"host":"web","value":null}', undefined, undefined],
  ])("%s", (line, group, expected) => expect(tracedHost(line, group)).toEqual(expected));

  it("reads the names line, and nothing else", () => {
    expect(tracedNames('trace: nix-fleet-hosts ["db","web"]')).toEqual(["db", "web"]);
    expect(tracedNames('trace: nix-fleet-hosts [1]')).toBeUndefined();
    expect(tracedNames('trace: nix-fleet-host {"host":"web"}')).toBeUndefined();
  });
});
