/**
 * Size caps of a board, shared by the schemas, the server and the UI (counters, truncation). Each widget type's
 * own caps are in its module (`NOTE_LIMITS` in `widgets/note.ts`, ...).
 */
export const LIMITS = {
  boardTitle: 120,
  widgetTitle: 120,
  widgetsPerBoard: 100,
  membersPerBoard: 200,
  /** Committed ops kept per board for catching up; older gaps get a snapshot. */
  logLength: 1_000,
  gridColumns: 12,
} as const;
