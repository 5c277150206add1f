import * as tc from "@actions/tool-cache";

/**
 * The runner's tool cache (RUNNER_TOOL_CACHE), through @actions/tool-cache: what an action
 * downloads once per runner instead of once per job.
 */
export interface ToolCache {
  /** The cached tool's directory, or undefined when this version is not cached. */
  find(tool: string, version: string, arch: string): string | undefined;
  /** Downloads into RUNNER_TEMP; rejects on any HTTP error. */
  download(url: string): Promise<string>;
  extractTar(archive: string): Promise<string>;
  /** Copies a directory into the cache and returns the cached copy. */
  cacheDir(dir: string, tool: string, version: string, arch: string): Promise<string>;
}

export const actionsToolCache: ToolCache = {
  find: (tool, version, arch) => tc.find(tool, version, arch) || undefined,
  download: (url) => tc.downloadTool(url),
  extractTar: (archive) => tc.extractTar(archive),
  cacheDir: (dir, tool, version, arch) => tc.cacheDir(dir, tool, version, arch),
};
