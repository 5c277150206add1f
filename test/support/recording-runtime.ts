import { renderText, type Report } from "../../src/runner/report.js";
import { redactSecrets, type Annotation, type Runtime } from "../../src/runner/runtime.js";

/** A Runtime that records what an orchestration did, for in-process integration tests. */
export class RecordingRuntime implements Runtime {
  readonly platform = "github" as const;
  readonly lines: string[] = [];
  readonly annotations: Annotation[] = [];
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string> = {};
  readonly secrets: string[] = [];
  readonly reports: Report[] = [];

  info(message: string): void {
    this.lines.push(message);
  }
  untrusted(text: string): void {
    this.lines.push(text);
  }
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
  debug(): void {}
  group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.lines.push(`group: ${name}`);
    return fn();
  }
  annotate(annotation: Annotation): void {
    this.annotations.push(annotation);
  }
  setSecret(value: string): void {
    this.secrets.push(value);
  }
  redacted(text: string): string {
    return redactSecrets(text, this.secrets);
  }
  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }
  saveState(name: string, value: string): void {
    this.state[name] = value;
  }
  getState(name: string): string {
    return this.state[name] ?? "";
  }
  report(report: Report): void {
    this.reports.push(report);
    this.lines.push(renderText(report));
  }
  get log(): string {
    return this.lines.join("\n");
  }
}
