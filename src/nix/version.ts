export interface NixVersion {
  /** What `nix --version` printed, e.g. "nix (Nix) 2.8.0" or "nix (Determinate Nix 3.6.2) 2.29.0". */
  text: string;
  major: number;
  minor: number;
  patch: number;
}

export function parseNixVersion(text: string): NixVersion {
  const matches = [...text.matchAll(/(\d+)\.(\d+)(?:\.(\d+))?/g)];
  // The Nix version is the last one printed: "(Determinate Nix 3.6.2) 2.29.0".
  const last = matches[matches.length - 1];
  if (!last) throw new Error(`cannot read a Nix version from '${text.trim()}'`);
  return { text: text.trim(), major: Number(last[1]), minor: Number(last[2]), patch: Number(last[3] ?? 0) };
}

export function atLeast(v: NixVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** What differs between the Nix versions users run (2.18 .. 2.3x, Determinate) and Debian's 2.8. */
export function nixFeatures(v: NixVersion) {
  return {
    /** `nix flake check --all-systems` (2.16+); before 2.16 every system was always checked. */
    flakeCheckAllSystems: atLeast(v, 2, 16),
    /** `nix path-info --json` prints an object keyed by path (2.19+), not an array. */
    pathInfoObject: atLeast(v, 2, 19),
    /** `nix store info` replaced `nix store ping` (2.19+). */
    storeInfo: atLeast(v, 2, 19),
    /**
     * A `.drv` installable means the derivation itself since 2.15: its outputs are `<drv>^*`
     * (the `^` syntax exists since 2.13). Before 2.15 a bare `.drv` builds its outputs.
     */
    drvOutputsCaret: atLeast(v, 2, 15),
  };
}
