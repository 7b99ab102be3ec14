/** How a promise settled within a deadline: fulfilled, rejected (with its error), or still pending. */
export type Settled = "ok" | "timeout" | { error: unknown };

export function settleWithin(work: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  const settled = work.then(
    (): Settled => "ok",
    (error: unknown): Settled => ({ error }),
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}
