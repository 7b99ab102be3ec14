const KEY = "pulseboard.browserId";

/**
 * An id this browser keeps for all its tabs (localStorage), unlike the tab's own id (sessionStorage): the sessions
 * list tells "another tab in this browser" from other devices with it. Never used for access decisions.
 */
export function browserId(): string {
  try {
    const existing = localStorage.getItem(KEY);
    if (existing && /^[A-Za-z0-9_-]{1,64}$/.test(existing)) return existing;
    const id = crypto.randomUUID().replace(/-/g, "");
    localStorage.setItem(KEY, id);
    return id;
  } catch {
    return "unknown";
  }
}
