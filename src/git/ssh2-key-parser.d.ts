/**
 * ssh2's key parser alone: `ssh2`'s index also loads its agent code, which reads `__dirname` at
 * load time and so cannot run in an ES module bundle. Same function as `ssh2.utils.parseKey`.
 */
declare module "ssh2/lib/protocol/keyParser.js" {
  import type { utils } from "ssh2";
  export const parseKey: typeof utils.parseKey;
}
