import { buildCommand } from "./build.js";
import { checkCommand } from "./check.js";
import type { Command } from "./command.js";
import { mirrorCommand } from "./mirror.js";
import { planCommand } from "./plan.js";
import { scanCommand } from "./scan.js";

/** Every nix-fleet command; each lives in its own file. */
export const COMMANDS: Command[] = [checkCommand, scanCommand, planCommand, buildCommand, mirrorCommand];
