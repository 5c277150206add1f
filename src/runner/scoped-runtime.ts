import type { Report } from "./report.js";
import type { Annotation, Runtime } from "./runtime.js";

/**
 * One stage of a combined action (the gate): everything goes to the real runtime, except outputs,
 * which are renamed by `outputs` (stage name → the combined action's name) or dropped when the
 * combined action does not publish them.
 */
export class ScopedRuntime implements Runtime {
  readonly values = new Map<string, string>();

  constructor(
    private readonly inner: Runtime,
    private readonly outputs: Record<string, string>,
  ) {}

  get platform() {
    return this.inner.platform;
  }
  info(message: string): void {
    this.inner.info(message);
  }
  untrusted(text: string): void {
    this.inner.untrusted(text);
  }
  warning(message: string): void {
    this.inner.warning(message);
  }
  debug(message: string): void {
    this.inner.debug(message);
  }
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.inner.group(name, fn);
  }
  annotate(annotation: Annotation): void {
    this.inner.annotate(annotation);
  }
  setSecret(value: string): void {
    this.inner.setSecret(value);
  }

  redacted(text: string): string {
    return this.inner.redacted(text);
  }
  setOutput(name: string, value: string): void {
    this.values.set(name, value);
    const renamed = this.outputs[name];
    if (renamed) this.inner.setOutput(renamed, value);
  }
  saveState(name: string, value: string): void {
    this.inner.saveState(name, value);
  }
  getState(name: string): string {
    return this.inner.getState(name);
  }
  report(report: Report): void {
    this.inner.report(report);
  }
}
