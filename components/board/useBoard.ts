"use client";

import { useSession } from "next-auth/react";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { BoardOpInput } from "@/lib/protocol/boards";
import {
  BoardSession,
  type BoardSessionState,
  type OpConflict,
  type OpOutcome,
  type OpRejected,
} from "@/lib/client/board-session";
import type { PendingOpStore } from "@/lib/client/pending-store";
import { createIndexedDbPendingStore } from "@/lib/client/pending-store-idb";
import { useRealtime } from "../realtime/SocketProvider";

const EMPTY: BoardSessionState = {
  status: "joining",
  doc: null,
  committed: null,
  role: null,
  presence: [],
  pending: 0,
  pendingSaved: false,
  syncing: false,
  error: null,
  closed: null,
};

interface Snapshot {
  session: BoardSession | null;
  state: BoardSessionState;
  /** Unresolved conflicts by field key (`fieldKeyOf`). */
  conflicts: ReadonlyMap<string, OpConflict>;
}

/**
 * Holds the current session for the hook as an external store, so that a new session (new socket, other board)
 * and every state change reach React through one `useSyncExternalStore`.
 */
class SessionStore {
  private snapshot: Snapshot = { session: null, state: EMPTY, conflicts: new Map() };
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void)[] = [];

  readonly subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  readonly get = () => this.snapshot;

  attach(
    session: BoardSession | null,
    onRejected: (r: OpRejected) => void,
    onConflict: (c: OpConflict) => void,
  ) {
    this.unsubscribe.forEach((u) => u());
    this.unsubscribe = [];
    this.set({ session, state: session?.getState() ?? EMPTY, conflicts: new Map() });
    if (!session) return;
    this.unsubscribe.push(
      session.on("change", (state) => this.set({ ...this.snapshot, state })),
      session.on("conflict", (c) => {
        const conflicts = new Map(this.snapshot.conflicts);
        conflicts.set(c.key, c);
        this.set({ ...this.snapshot, conflicts });
        onConflict(c);
      }),
      session.on("rejected", onRejected),
    );
  }

  clearConflict(key: string) {
    if (!this.snapshot.conflicts.has(key)) return;
    const conflicts = new Map(this.snapshot.conflicts);
    conflicts.delete(key);
    this.set({ ...this.snapshot, conflicts });
  }

  private set(next: Snapshot) {
    this.snapshot = next;
    this.listeners.forEach((l) => l());
  }
}

export interface UseBoardOptions {
  /** Called for conflicts, e.g. to show a toast for those a widget does not show itself. */
  onConflict?: (conflict: OpConflict) => void;
  onRejected?: (rejected: OpRejected) => void;
}

export interface BoardHandle extends Snapshot {
  me: string | null;
  canEdit: boolean;
  submit(op: BoardOpInput): Promise<OpOutcome>;
  /** Sends the user's version again on top of the one that won: a deliberate overwrite. */
  keepMine(conflict: OpConflict): Promise<OpOutcome>;
  /** Accepts the other version: forgets the conflict (the board already shows theirs). */
  acceptTheirs(conflict: OpConflict): void;
}

/** One board, live, for a page: joins with the tab's socket, leaves on unmount, warns before losing changes. */
export function useBoard(boardId: string, options: UseBoardOptions = {}): BoardHandle {
  const { socket } = useRealtime();
  const { data } = useSession();
  const me = data?.user.name ?? null;
  const [store] = useState(() => new SessionStore());
  // Unacknowledged changes outlive the tab where the browser keeps IndexedDB (not in some private modes).
  const [pendingStore] = useState<PendingOpStore | undefined>(() =>
    typeof indexedDB === "undefined" ? undefined : createIndexedDbPendingStore(),
  );
  const callbacks = useRef(options);
  useEffect(() => {
    callbacks.current = options;
  });

  useEffect(() => {
    if (!socket || !me) return;
    const session = new BoardSession({ socket, boardId, user: me, pendingStore });
    store.attach(
      session,
      (r) => callbacks.current.onRejected?.(r),
      (c) => callbacks.current.onConflict?.(c),
    );
    session.start();
    const onVisibility = () => session.setVisible(document.visibilityState === "visible");
    onVisibility();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      store.attach(
        null,
        () => {},
        () => {},
      );
      session.stop();
    };
  }, [socket, boardId, me, store, pendingStore]);

  const snapshot = useSyncExternalStore(store.subscribe, store.get, store.get);
  const { session, state } = snapshot;

  useEffect(() => {
    // Changes kept on the device are sent by the next tab that opens this board: no need to hold this one.
    if (state.pending === 0 || state.pendingSaved) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [state.pending, state.pendingSaved]);

  const submit = useCallback(
    (op: BoardOpInput): Promise<OpOutcome> =>
      session
        ? session.submit(op)
        : Promise.resolve({ ok: false, error: { code: "UNAVAILABLE", message: "not connected yet" } }),
    [session],
  );

  const keepMine = useCallback(
    (conflict: OpConflict) => {
      store.clearConflict(conflict.key);
      return submit({ ...conflict.op, baseRev: conflict.rev } as BoardOpInput);
    },
    [store, submit],
  );

  const acceptTheirs = useCallback((conflict: OpConflict) => store.clearConflict(conflict.key), [store]);

  return useMemo(
    () => ({
      ...snapshot,
      me,
      canEdit: state.role === "owner" || state.role === "editor",
      submit,
      keepMine,
      acceptTheirs,
    }),
    [snapshot, me, state.role, submit, keepMine, acceptTheirs],
  );
}
