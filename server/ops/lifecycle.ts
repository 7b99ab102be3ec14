/** Instance-wide state that health, the handshake and shutdown all read. */
export class Lifecycle {
  readonly startedAt = Date.now();
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
