import { CommandError, CommandNotFoundError, run, type RunResult } from "../process/run.js";

/** A Cachix cache name: lower-case letters, digits and dashes. */
export const CACHIX_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Where Cachix serves a cache for reads (the Nix binary cache protocol). */
export function cachixUrl(name: string): string {
  return `https://${name}.cachix.org`;
}

export interface CachixCredentials {
  authToken: string;
  /** A cache's own signing key (self-signed caches): cachix signs with it instead of the cache's. */
  signingKey?: string;
}

/**
 * The cachix CLI, reached through one exec function. The token and the signing key travel in the
 * environment, never on the command line.
 */
export class Cachix {
  constructor(private readonly binary = "cachix") {}

  async exec(args: string[], credentials: CachixCredentials, onStderrLine?: (line: string) => void): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = { ...process.env, CACHIX_AUTH_TOKEN: credentials.authToken };
    if (credentials.signingKey) env.CACHIX_SIGNING_KEY = credentials.signingKey;
    try {
      return await run([this.binary, ...args], { env, onStderrLine });
    } catch (error) {
      if (error instanceof CommandNotFoundError) {
        throw new Error("cachix was not found on PATH: install it on the runner (for example with cachix/install) to push to cachix:<name>.");
      }
      throw error;
    }
  }

  /** `cachix push` sends each path's whole closure, whatever the cache already has or lacks. */
  async push(name: string, paths: string[], credentials: CachixCredentials, onStderrLine?: (line: string) => void): Promise<void> {
    const result = await this.exec(["push", name, ...paths], credentials, onStderrLine);
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
  }
}
