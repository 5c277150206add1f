import { stopRunningPrograms } from "../process/run.js";
import { PrivateDir } from "./private-dir.js";
import { SignalError } from "./user-error.js";

export type StopSignal = "SIGINT" | "SIGTERM";

/** The exit status of a process stopped by a signal, as a shell reports it: 128 + the signal's number. */
export const SIGNAL_EXIT_STATUS: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** How long a program is given to stop after SIGTERM before it is killed. */
const GRACE_MS = 3000;

export interface StepEnd {
  /** What ended the step: a SignalError, or the error nothing caught (a crash). */
  error: unknown;
  /** The exit status it ends with: 130/143 for a signal, 1 for a crash. */
  status: number;
}

/**
 * How a step ends when it cannot end normally: on SIGINT or SIGTERM (Ctrl-C, a cancelled job), or
 * an error nothing caught (a crash), stop every program the step runs (their whole process
 * groups; no new one starts), close every open private directory (its cleanups run, its files
 * go), let `finish` say so and set what the contract promises, then exit 130, 143, or 1.
 * Without this, Node would die at once and leave `nix build` running and the keys on disk.
 * A second signal while this runs changes nothing: the cleanup is what the user is waiting for.
 */
export function handleStepEnd(
  finish: (end: StepEnd) => Promise<void> | void,
  /** Runs at once when the step is being ended, before anything is stopped. */
  started?: () => void,
): StepEndHandling {
  let ending = false;
  const handle: StepEndHandling = {
    get ending() {
      return ending;
    },
    // Never settles: the handler ends the process.
    finished: new Promise<never>(() => undefined),
  };
  const end = (error: unknown, status: number) => {
    if (ending) return;
    ending = true;
    started?.();
    void (async () => {
      await stopRunningPrograms(GRACE_MS).catch(() => undefined);
      await PrivateDir.closeAll().catch(() => undefined);
      try {
        await finish({ error, status });
      } finally {
        process.exit(status);
      }
    })();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => end(new SignalError(signal), SIGNAL_EXIT_STATUS[signal]));
  process.on("uncaughtException", (error) => end(error, 1));
  process.on("unhandledRejection", (error) => end(error, 1));
  return handle;
}

export interface StepEndHandling {
  /**
   * A signal or a crash is being handled. The step's own work then ends early (its programs were
   * stopped), and must not report that as its result nor exit with its own status.
   */
  readonly ending: boolean;
  /** Await this when `ending`: the handler exits the process. */
  readonly finished: Promise<never>;
}
