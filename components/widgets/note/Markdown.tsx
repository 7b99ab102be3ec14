import { Fragment, useMemo, type ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "@/lib/client/markdown";

function inline(nodes: Inline[], members: ReadonlySet<string>): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.type) {
      case "text":
        return <Fragment key={i}>{n.text}</Fragment>;
      case "br":
        return <br key={i} />;
      case "strong":
        return <strong key={i}>{inline(n.children, members)}</strong>;
      case "em":
        return <em key={i}>{inline(n.children, members)}</em>;
      case "code":
        return (
          <code key={i} className="rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.85em] text-slate-800">
            {n.text}
          </code>
        );
      case "link":
        return (
          <a
            key={i}
            href={n.href}
            target="_blank"
            rel="noopener noreferrer"
            className="text-indigo-700 underline decoration-indigo-300 hover:decoration-indigo-700"
          >
            {inline(n.children, members)}
          </a>
        );
      case "mention":
        return (
          <span
            key={i}
            className={`rounded px-0.5 font-medium ${members.has(n.name) ? "bg-indigo-50 text-indigo-700" : "text-slate-700"}`}
          >
            @{n.name}
          </span>
        );
    }
  });
}

function block(b: Block, i: number, members: ReadonlySet<string>): ReactNode {
  switch (b.type) {
    case "p":
      return <p key={i}>{inline(b.children, members)}</p>;
    case "h": {
      const cls = [
        "text-lg font-semibold",
        "text-base font-semibold",
        "text-sm font-semibold uppercase tracking-wide text-slate-600",
      ][b.level - 1];
      const Tag = (["h3", "h4", "h5"] as const)[b.level - 1]!;
      return (
        <Tag key={i} className={cls}>
          {inline(b.children, members)}
        </Tag>
      );
    }
    case "ul":
      return (
        <ul key={i} className="list-disc space-y-0.5 pl-5">
          {b.items.map((item, j) => (
            <li key={j}>{inline(item, members)}</li>
          ))}
        </ul>
      );
    case "ol":
      return (
        <ol key={i} start={b.start} className="list-decimal space-y-0.5 pl-5">
          {b.items.map((item, j) => (
            <li key={j}>{inline(item, members)}</li>
          ))}
        </ol>
      );
  }
}

/**
 * Renders note text as React elements built from a parsed tree: never as HTML, so nothing in a note can run.
 * Mentions of board members are highlighted.
 */
export function Markdown({
  text,
  members = new Set<string>(),
}: {
  text: string;
  members?: ReadonlySet<string>;
}) {
  // Parsed once per text, not on every render of the board around it.
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className="space-y-2 text-sm leading-relaxed break-words text-slate-800">
      {blocks.map((b, i) => block(b, i, members))}
    </div>
  );
}
