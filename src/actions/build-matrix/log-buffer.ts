/** The most lines of one host's log held in memory while hosts build side by side. */
const LOG_LINES_KEPT = 2000;

/** The last lines of a log, and how many came before them. */
export class LogBuffer {
  private readonly lines: string[] = [];
  private dropped = 0;

  constructor(private readonly limit = LOG_LINES_KEPT) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) {
      this.lines.shift();
      this.dropped++;
    }
  }

  text(): string {
    const head = this.dropped ? `[${this.dropped} earlier lines left out]\n` : "";
    return head + this.lines.join("\n");
  }

  tail(count: number): string {
    return this.lines.slice(-count).join("\n");
  }
}
