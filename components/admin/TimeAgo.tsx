import { formatAgo, formatDateTime, isoTime } from "@/lib/format";

/** "3 min ago" by the server's clock, with the exact local time on hover. */
export function TimeAgo({ at, now }: { at: number; now: number }) {
  return (
    <time dateTime={isoTime(at)} title={formatDateTime(at)}>
      {formatAgo(at, now)}
    </time>
  );
}
