export * from "./ack";
export * from "./errors";
export * from "./events";
export * from "./version";
export type { SessionInfo, SystemNotice, NoticeKind } from "./system";
