export type Platform = "github" | "forgejo";

/**
 * Forgejo's runner sets every GITHUB_* variable as FORGEJO_* too and serves a Gitea-style API
 * under /api/v1; either gives it away. Everything else is treated as GitHub.
 */
export function detectPlatform(env: NodeJS.ProcessEnv = process.env): Platform {
  if (env.FORGEJO_ACTIONS === "true" || env.FORGEJO_SERVER_URL || env.GITEA_ACTIONS === "true") return "forgejo";
  if (env.GITHUB_API_URL && /\/api\/v1\/?$/.test(env.GITHUB_API_URL)) return "forgejo";
  return "github";
}
