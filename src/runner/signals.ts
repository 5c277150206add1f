import { stopRunningPrograms } from "../process/run.js";
import { PrivateDir } from "./private-dir.js";
import { SignalError } from "./user-error.js";

export type StopSignal = "SIGINT" | "SIGTERM";

/** The exit status of a process stopped by a signal, as a shell reports it: 128 + the signal's number. */
export const SIGNAL_EXIT_STATUS: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** How long a program is given to stop after SIGTERM before it is killed. */
const GRACE_MS = 3000;

/**
 * On SIGINT or SIGTERM (Ctrl-C, a cancelled job): stop every program the step runs (their whole
 * process groups; no new one starts), close every open private directory (its cleanups run, its
 * files go), let `finish` say so and set what the contract promises, then exit 130 or 143.
 * Without this, Node would die at once and leave `nix build` running and the keys on disk.
 * A second signal while this runs changes nothing: the cleanup is what the user is waiting for.
 */
export function handleStopSignals(
  finish: (error: SignalError) => Promise<void> | void,
  /** Runs at once when the signal comes, before anything is stopped. */
  started?: () => void,
): StopSignalHandling {
  let handling = false;
  const handle: StopSignalHandling = {
    get stopping() {
      return handling;
    },
    // Never settles: the handler ends the process. Awaited by a main whose work ended because its programs were stopped.
    finished: new Promise<never>(() => undefined),
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (handling) return;
      handling = true;
      started?.();
      void (async () => {
        await stopRunningPrograms(GRACE_MS).catch(() => undefined);
        await PrivateDir.closeAll().catch(() => undefined);
        try {
          await finish(new SignalError(signal));
        } finally {
          process.exit(SIGNAL_EXIT_STATUS[signal]);
        }
      })();
    });
  }
  return handle;
}

export interface StopSignalHandling {
  /**
   * A signal came and is being handled. The step's own work then ends early (its programs were
   * stopped), and must not report that as its result nor exit with its own status.
   */
  readonly stopping: boolean;
  /** Await this when `stopping`: the handler exits the process. */
  readonly finished: Promise<never>;
}
