import { io } from "socket.io-client";
import { BoardReplica } from "@/lib/boards/replica";
import type { BoardOpInput, CommittedOp } from "@/lib/protocol/boards";
import { isErrorCode, isRetryable } from "@/lib/protocol/errors";
import { newOpId } from "./board-client";
import type { TestSocket } from "./clients";
import { own } from "@/lib/util/own";
import { CHECKLIST_LIMITS } from "@/lib/boards/widgets/checklist";

interface Pending {
  opId: string;
  op: BoardOpInput;
  sentAt?: number;
}

/**
 * A client that edits a board through failures the way the browser does: it reconnects by itself, rejoins and
 * catches up, keeps every unacknowledged op and resends it with the same opId until it is acknowledged, and
 * records what the server acknowledged. Its edits are checklist items, which merge, so every op must end up on
 * the board exactly once. When its checklist is full it adds another one and goes on there, so that a slow
 * machine, where a test runs longer, never meets the checklist's cap.
 */
export class EditingClient {
  readonly socket: TestSocket;
  replica?: BoardReplica;
  readonly acked = new Map<string, CommittedOp>();
  /** Retryable refusals and timeouts seen, by code. */
  readonly retried = new Map<string, number>();
  readonly generated: string[] = [];
  /** The checklists this client added items to, first the one it was given. */
  readonly widgets: string[];
  private readonly outbox: Pending[] = [];
  private sending = false;
  private timer?: ReturnType<typeof setInterval>;
  private seq = 0;
  private fatal?: string;
  private syncing = false;
  /** What happened to this client's connection, newest last: for a failing test's message. */
  private readonly events: string[] = [];

  constructor(
    url: string,
    token: string,
    readonly name: string,
    readonly boardId: string,
    readonly widgetId: string,
  ) {
    this.widgets = [widgetId];
    this.socket = io(url, {
      transports: ["websocket"],
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1_000,
      auth: { token, clientId: `${name.replace(/[^A-Za-z0-9_-]/g, "")}tab0001` },
    }) as TestSocket;
    this.socket.on("connect", () => {
      this.log("connect");
      void this.join();
    });
    this.socket.on("board:op", ({ boardId, entry }) => boardId === this.boardId && this.receive(entry));
    this.socket.on("board:ops", ({ boardId, entries }) => {
      if (boardId === this.boardId) for (const entry of entries) this.receive(entry);
    });
    this.socket.on("board:resync", () => void this.sync());
    // A refused handshake (the instance is draining, or Redis is away) is not retried by the library itself.
    this.socket.on("connect_error", (err) => {
      this.log(`connect_error ${err.message}`);
      if (!this.socket.active) setTimeout(() => this.socket.connect(), 200);
    });
    this.socket.on("disconnect", (reason) => {
      this.log(`disconnect ${reason}`);
      this.replica = undefined;
      if (reason === "io server disconnect")
        setTimeout(() => this.socket.connect(), 100 + Math.random() * 300);
    });
  }

  get doc() {
    if (!this.replica) throw new Error(`${this.name} is not joined`);
    return this.replica.doc;
  }

  get error(): string | undefined {
    return this.fatal;
  }

  private async join(): Promise<void> {
    try {
      const res = await this.socket.timeout(5_000).emitWithAck("board:join", { boardId: this.boardId });
      if (!res.ok) {
        this.log(`join refused ${res.error.code}`);
        if (!isErrorCode(res.error.code) || !isRetryable(res.error.code))
          this.fatal = `join: ${res.error.message}`;
        setTimeout(() => void this.join(), 300);
        return;
      }
      this.replica = new BoardReplica(res.board);
      this.log(`joined at rev ${this.replica.rev}`);
      void this.pump();
    } catch {
      this.log("join timed out");
      if (this.socket.connected) setTimeout(() => void this.join(), 300);
    }
  }

  private receive(entry: CommittedOp): void {
    if (this.replica?.receive(entry) === "gap") void this.sync();
  }

  async sync(): Promise<void> {
    if (!this.replica || this.syncing) return;
    this.syncing = true;
    try {
      const res = await this.socket
        .timeout(5_000)
        .emitWithAck("board:sync", { boardId: this.boardId, sinceRev: this.replica.rev });
      if (res.ok) this.replica?.applySync(res);
    } catch {
      // The next resync hint, gap or join catches up.
    } finally {
      this.syncing = false;
    }
  }

  /** Starts adding one checklist item every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.edit(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  edit(): void {
    if (this.seq > 0 && this.seq % CHECKLIST_LIMITS.items === 0) {
      const widget = `${this.widgetId}-${this.widgets.length + 1}`;
      this.widgets.push(widget);
      const layout = { x: 0, y: 6 * this.widgets.length, w: 6, h: 6 };
      this.outbox.push({
        opId: newOpId(),
        op: { type: "widget.add", widget: { id: widget, type: "checklist", layout } },
      });
    }
    const id = `${this.name}-${++this.seq}`;
    this.generated.push(id);
    this.outbox.push({
      opId: newOpId(),
      op: { type: "checklist.add", widgetId: this.widgets.at(-1)!, item: { id, text: id } },
    });
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.outbox.length > 0 && this.socket.connected && this.replica && !this.fatal) {
        const head = this.outbox[0]!;
        head.sentAt ??= Date.now();
        let res;
        try {
          res = await this.socket
            .timeout(3_000)
            .emitWithAck("board:op", { boardId: this.boardId, opId: head.opId, op: head.op });
        } catch {
          this.count("TIMEOUT");
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        if (res.ok) {
          this.acked.set(head.opId, res.entry);
          this.outbox.shift();
          this.receive(res.entry);
        } else if (isErrorCode(res.error.code) && isRetryable(res.error.code)) {
          this.count(res.error.code);
          await new Promise((r) => setTimeout(r, 200));
        } else {
          this.fatal = `op refused: ${res.error.code} ${res.error.message}`;
        }
      }
    } finally {
      this.sending = false;
    }
    if (this.outbox.length > 0 && !this.fatal) setTimeout(() => void this.pump(), 100);
  }

  private log(event: string): void {
    this.events.push(`${new Date().toISOString().slice(11, 23)} ${event}`);
    if (this.events.length > 20) this.events.shift();
  }

  /** One line on where this client stands, for a failing test's message. */
  describe(): string {
    const retried = [...this.retried].map(([code, n]) => `${code}×${n}`).join(" ");
    return (
      `${this.name}: ${this.socket.connected ? "connected" : "disconnected"}, ` +
      `${this.replica ? `joined at rev ${this.replica.rev}` : "not joined"}, ${this.acked.size} acked, ` +
      `${this.outbox.length} queued${this.fatal ? `, fatal: ${this.fatal}` : ""}` +
      `${retried ? `, retried ${retried}` : ""}; ${this.events.join(" | ")}`
    );
  }

  private count(code: string): void {
    this.retried.set(code, (this.retried.get(code) ?? 0) + 1);
  }

  /** Resolves when every op this client made is acknowledged. */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.outbox.length > 0) {
      if (this.fatal) throw new Error(`${this.name}: ${this.fatal}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name}: ${this.outbox.length} ops still unacknowledged`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The time of the first acknowledgement after `since`, if any: when service resumed for this client. */
  firstAckAfter(since: number): number | undefined {
    let first: number | undefined;
    for (const entry of this.acked.values())
      if (entry.at >= since && (first === undefined || entry.at < first)) first = entry.at;
    return first;
  }

  close(): void {
    this.stop();
    this.socket.close();
  }
}

/** Item ids on a checklist widget of a board, in order. */
export function itemsOf(
  doc: { widgets: Record<string, { type: string; data: unknown }> },
  widgetId: string,
): string[] {
  const w = own(doc.widgets, widgetId);
  return w?.type === "checklist" ? (w.data as { items: { id: string }[] }).items.map((i) => i.id) : [];
}
