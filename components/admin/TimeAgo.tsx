import { fmtAgo } from "./format";

/** "3 min ago" by the server's clock, with the exact local time on hover. */
export function TimeAgo({ at, now }: { at: number; now: number }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={new Date(at).toLocaleString()}>
      {fmtAgo(Math.max(0, now - at))}
    </time>
  );
}
