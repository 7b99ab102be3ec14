/**
 * Bumped on any breaking change to events or payloads. Clients send it in the handshake (`auth.v`); a server
 * refuses versions it does not speak with `UNSUPPORTED_PROTOCOL` so an old tab reloads instead of misbehaving.
 */
export const PROTOCOL_VERSION = 1;
