import * as tc from "@actions/tool-cache";

/**
 * The runner's tool cache (RUNNER_TOOL_CACHE), through @actions/tool-cache: what an action
 * downloads once per runner instead of once per job.
 */
export interface ToolCache {
  /** The cached tool's directory, or undefined when this version is not cached. */
  find(tool: string, version: string, arch: string): string | undefined;
  /** Copies a directory into the cache and returns the cached copy. */
  cacheDir(dir: string, tool: string, version: string, arch: string): Promise<string>;
}

export const actionsToolCache: ToolCache = {
  find: (tool, version, arch) => tc.find(tool, version, arch) || undefined,
  cacheDir: (dir, tool, version, arch) => tc.cacheDir(dir, tool, version, arch),
};
