import { CommandError, CommandNotFoundError, run, type RunOptions, type RunResult } from "../process/run.js";

/** git, reached through one exec function. */
export class Git {
  constructor(
    readonly cwd: string,
    private readonly binary = "git",
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  exec(args: string[], options: Omit<RunOptions, "cwd" | "env"> = {}): Promise<RunResult> {
    return run([this.binary, ...args], { ...options, cwd: this.cwd, env: this.env });
  }

  async checked(args: string[]): Promise<string> {
    const result = await this.exec(args);
    if (result.exitCode !== 0) throw new CommandError(result.command, result.exitCode, result.stderr);
    return result.stdout;
  }

  /** The top of the work tree that holds cwd, or undefined outside one (or without git). */
  async tryToplevel(): Promise<string | undefined> {
    try {
      const result = await this.exec(["rev-parse", "--show-toplevel"]);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    } catch (error) {
      if (error instanceof CommandNotFoundError) return undefined;
      throw error;
    }
  }
}
