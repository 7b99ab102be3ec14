/** A minimal typed event emitter: `on` returns the function that unsubscribes. */
export class Emitter<Events extends { [K in keyof Events]: (arg: never) => void }> {
  private readonly listeners = new Map<keyof Events, Set<(arg: never) => void>>();

  on<K extends keyof Events>(event: K, fn: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit<K extends keyof Events>(event: K, arg: Parameters<Events[K]>[0]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as (a: typeof arg) => void)(arg);
      } catch (err) {
        // One faulty listener must not stop the session from updating the others.
        console.error(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
