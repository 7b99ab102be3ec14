import type { AckFn } from "./ack";
import type { SpecPayloadIn, SpecResult } from "./define";
import { boardClientEvents, type BoardServerEvents } from "./boards";
import { metricsClientEvents } from "./metrics";
import { notificationClientEvents, type NotificationServerEvents } from "./notifications";
import { sessionClientEvents } from "./sessions";
import { systemClientEvents, type SystemServerEvents } from "./system";
import { taskClientEvents, type TaskServerEvents } from "./tasks";

/** Every event a client may emit, with the schema that guards it. Features add their maps here. */
export const clientEventSpecs = {
  ...systemClientEvents,
  ...boardClientEvents,
  ...notificationClientEvents,
  ...taskClientEvents,
  ...metricsClientEvents,
  ...sessionClientEvents,
};

export type ClientEventSpecs = typeof clientEventSpecs;
export type ClientEventName = keyof ClientEventSpecs;
export type ClientPayload<K extends ClientEventName> = SpecPayloadIn<ClientEventSpecs[K]>;
export type ClientResult<K extends ClientEventName> = SpecResult<ClientEventSpecs[K]>;

export type ClientToServerEvents = {
  [K in ClientEventName]: (payload: ClientPayload<K>, ack: AckFn<ClientResult<K>>) => void;
};

export type ServerToClientEvents = SystemServerEvents &
  BoardServerEvents &
  NotificationServerEvents &
  TaskServerEvents;

export function isClientEventName(name: string): name is ClientEventName {
  return Object.prototype.hasOwnProperty.call(clientEventSpecs, name);
}
