/** Size caps, shared by the schemas, the server and the UI (counters, truncation). */
export const LIMITS = {
  boardTitle: 120,
  widgetTitle: 120,
  noteText: 20_000,
  kpiLabel: 80,
  kpiUnit: 16,
  checklistItems: 200,
  checklistItemText: 500,
  /** Points one op or push may carry. */
  chartPointsPerOp: 1_000,
  /** Points a chart keeps; older ones are dropped. */
  chartPointsRetained: 2_000,
  widgetsPerBoard: 100,
  membersPerBoard: 200,
  /** Committed ops kept per board for catching up; older gaps get a snapshot. */
  logLength: 1_000,
  gridColumns: 12,
} as const;
