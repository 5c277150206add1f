/**
 * One report, written once and rendered twice: as Markdown for GitHub's step summary, and as
 * plain text for the log (Forgejo prints no summary page and makes no annotations, and a
 * terminal user reads the same text).
 */
export type Block =
  | { kind: "heading"; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "table"; columns: string[]; rows: string[][] }
  | { kind: "list"; items: string[] }
  | { kind: "code"; title: string; text: string };

/** One line for a table cell: "Failed assertions:\n- x" reads as "Failed assertions: - x". */
export function headline(text: string, max = 140): string {
  const line = text.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export class Report {
  readonly blocks: Block[] = [];

  constructor(readonly title: string) {}

  heading(text: string): this {
    this.blocks.push({ kind: "heading", text });
    return this;
  }

  paragraph(text: string): this {
    this.blocks.push({ kind: "paragraph", text });
    return this;
  }

  table(columns: string[], rows: string[][]): this {
    this.blocks.push({ kind: "table", columns, rows });
    return this;
  }

  list(items: string[]): this {
    if (items.length) this.blocks.push({ kind: "list", items });
    return this;
  }

  code(title: string, text: string): this {
    this.blocks.push({ kind: "code", title, text });
    return this;
  }
}

/** Text as Markdown shows it literally: GitHub would take `<nixpkgs>` for HTML and a stray backtick for code. */
function escapeMarkdown(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/([`*_\\|[\]])/g, "\\$1");
}

function escapeCell(text: string): string {
  return escapeMarkdown(text).replace(/\r?\n/g, "<br>");
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [`## ${escapeMarkdown(report.title)}`, ""];
  for (const block of report.blocks) {
    switch (block.kind) {
      case "heading":
        out.push(`### ${escapeMarkdown(block.text)}`, "");
        break;
      case "paragraph":
        out.push(escapeMarkdown(block.text), "");
        break;
      case "table":
        out.push(`| ${block.columns.map(escapeCell).join(" | ")} |`);
        out.push(`| ${block.columns.map(() => "---").join(" | ")} |`);
        for (const row of block.rows) out.push(`| ${row.map(escapeCell).join(" | ")} |`);
        out.push("");
        break;
      case "list":
        for (const item of block.items) out.push(`- ${escapeMarkdown(item)}`);
        out.push("");
        break;
      case "code": {
        // Longer than any run of backticks in the text, so the text cannot close it.
        const longest = [...block.text.matchAll(/`+/g)].reduce((n, m) => Math.max(n, m[0].length), 2);
        const fence = "`".repeat(longest + 1);
        out.push(`<details><summary>${escapeMarkdown(block.title)}</summary>`, "", `${fence}text`, block.text, fence, "", "</details>", "");
        break;
      }
    }
  }
  return out.join("\n");
}

/** Plain text for a log or terminal: tables become aligned columns, long cells wrap under their row. */
export function renderText(report: Report): string {
  const out: string[] = [report.title, "=".repeat(report.title.length)];
  for (const block of report.blocks) {
    switch (block.kind) {
      case "heading":
        out.push("", block.text, "-".repeat(block.text.length));
        break;
      case "paragraph":
        out.push("", block.text);
        break;
      case "table": {
        const flat = block.rows.map((row) => row.map((cell) => cell.replace(/\s*\n\s*/g, " ")));
        const widths = block.columns.map((c, i) => Math.min(60, Math.max(c.length, ...flat.map((r) => (r[i] ?? "").length))));
        const line = (cells: string[]) =>
          cells
            .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
            .join("  ")
            .trimEnd();
        out.push("", line(block.columns), line(widths.map((w) => "-".repeat(w))));
        for (const row of flat) out.push(line(row));
        break;
      }
      case "list":
        out.push("", ...block.items.map((item) => `  - ${item}`));
        break;
      case "code":
        out.push("", `${block.title}:`, ...block.text.split("\n").map((l) => `    ${l}`));
        break;
    }
  }
  return out.join("\n") + "\n";
}
