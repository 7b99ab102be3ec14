import { AppError } from "../protocol/errors";
import type { BoardOp, BoardOpOf, CommonOp, NewWidgetOf } from "../protocol/boards";
import { LIMITS } from "./limits";
import { withOwn, withoutOwn } from "../util/own";
import { roleOf, widgetIn, type BoardDoc, type BoardRole } from "./types";
import { builtInWidgets, type BuiltInWidgetModule } from "./widgets";
import { guard, type AnyWidgetModule, type WidgetOf, type WidgetOfModule } from "./widgets/define";
import type { WidgetRegistry } from "./widgets/registry";

export { mergePoints } from "./widgets/chart";

/**
 * The one definition of what an op does, shared by the server (which checks and commits) and every client (which
 * replays committed ops in revision order). Pure and deterministic: the same doc and op give the same result
 * everywhere, which is what lets all replicas converge. Ops on the board and on any widget are here; an op of
 * one widget type goes to that type's module (`widgets/<type>.ts`).
 */

export interface OpContext {
  by: string;
  /** Server clock at commit, epoch ms. */
  at: number;
}

const EDIT: ReadonlySet<BoardRole> = new Set(["owner", "editor"]);

/** What a board does with ops, for the widget types of one registry. */
export interface BoardRules<M extends AnyWidgetModule> {
  /**
   * Throws AppError (FORBIDDEN, NOT_FOUND, CONFLICT, VALIDATION) when `op` may not be applied to `doc` by a user
   * with `role`. Runs on the server only, before `applyOp`.
   */
  checkOp(doc: BoardDoc<WidgetOfModule<M>>, op: BoardOpOf<M>, role: BoardRole | undefined): void;
  /**
   * Returns the doc after `op` at revision `rev`. The op must have passed `checkOp` (on the server); clients only
   * replay committed ops, so a missing widget here means it was removed by an earlier op and the op is a no-op.
   */
  applyOp(
    doc: BoardDoc<WidgetOfModule<M>>,
    op: BoardOpOf<M>,
    rev: number,
    ctx: OpContext,
  ): BoardDoc<WidgetOfModule<M>>;
  /**
   * The op to check and commit in place of `op`: the widget's module may merge it with what changed since the
   * editor's basis (a note edit of other words), or refuse it with CONFLICT, spending what is left of `budget`.
   * Runs on the server only.
   */
  mergeConcurrentEdit(
    doc: BoardDoc<WidgetOfModule<M>>,
    op: BoardOpOf<M>,
    role: BoardRole | undefined,
    budget?: { ms: number },
  ): BoardOpOf<M>;
}

/** Widgets and ops as the rules handle them for any registry; `BoardRules<M>` gives callers their exact types. */
type LooseWidget = WidgetOf<string, unknown>;
type LooseDoc = BoardDoc<LooseWidget>;
type BoardLevelOp = CommonOp | { type: "widget.add"; widget: NewWidgetOf<AnyWidgetModule> };
type WidgetOp = { type: string; widgetId: string };
type LooseOp = BoardLevelOp | WidgetOp;

/** The rules of a board whose widget types are those of `registry`. */
export function boardRulesFor<M extends AnyWidgetModule>(registry: WidgetRegistry<M>): BoardRules<M> {
  /** An op that no widget module defines is one of the board's own (the schema allows no other). */
  const isBoardLevel = (op: LooseOp): op is BoardLevelOp => !registry.moduleOfOp(op.type);

  /** The module of a widget op, with the widget the op targets when it is of that type. */
  function targetOf(doc: LooseDoc, op: WidgetOp) {
    const owner: AnyWidgetModule | undefined = registry.moduleOfOp(op.type);
    if (!owner) return undefined;
    const w = widgetIn(doc, op.widgetId);
    return { module: owner, widget: w?.type === owner.type ? w : undefined };
  }

  function widgetOf(doc: LooseDoc, id: string): LooseWidget {
    const w = widgetIn(doc, id);
    if (!w)
      throw new AppError("NOT_FOUND", "that widget no longer exists; someone removed it", { widgetId: id });
    return w;
  }

  function setWidget(doc: LooseDoc, w: LooseWidget): LooseDoc {
    return { ...doc, widgets: withOwn(doc.widgets, w.id, w) };
  }

  function createWidget(input: NewWidgetOf<AnyWidgetModule>, rev: number, by: string): LooseWidget {
    const type = registry.module(input.type);
    if (!type) throw new AppError("VALIDATION", `there is no widget type ${input.type}`);
    const revs: Record<string, number> = { title: rev, layout: rev };
    for (const field of type.fields) revs[field] = rev;
    return {
      id: input.id,
      type: input.type,
      title: input.title,
      layout: input.layout,
      data: type.create(input.data, rev),
      revs,
      createdBy: by,
    };
  }

  function checkBoardLevel(doc: LooseDoc, op: BoardLevelOp, role: BoardRole): void {
    if (op.type === "member.set") {
      if (role !== "owner") throw new AppError("FORBIDDEN", "only the owner can share this board");
      if (op.user === doc.owner) throw new AppError("VALIDATION", "the owner's role cannot change");
      if (op.role && !roleOf(doc, op.user) && Object.keys(doc.members).length >= LIMITS.membersPerBoard) {
        throw new AppError("VALIDATION", `a board has at most ${LIMITS.membersPerBoard} members`);
      }
      return;
    }
    if (!EDIT.has(role)) throw new AppError("FORBIDDEN", "viewers cannot change this board");
    switch (op.type) {
      case "board.rename":
        return guard("title", doc.revs.title ?? 0, op.baseRev, doc.title, op.title, {});
      case "widget.add":
        if (widgetIn(doc, op.widget.id))
          throw new AppError("CONFLICT", "a widget with this id already exists", { widgetId: op.widget.id });
        if (Object.keys(doc.widgets).length >= LIMITS.widgetsPerBoard) {
          throw new AppError("VALIDATION", `a board holds at most ${LIMITS.widgetsPerBoard} widgets`);
        }
        if (op.widget.layout.x + op.widget.layout.w > LIMITS.gridColumns)
          throw new AppError("VALIDATION", "the widget does not fit the grid");
        return;
      case "widget.remove":
        widgetOf(doc, op.widgetId);
        return;
      case "widget.title": {
        const w = widgetOf(doc, op.widgetId);
        return guard("title", w.revs.title ?? 0, op.baseRev, w.title, op.title, { widgetId: w.id });
      }
      case "widget.layout": {
        const w = widgetOf(doc, op.widgetId);
        if (op.layout.x + op.layout.w > LIMITS.gridColumns)
          throw new AppError("VALIDATION", "the widget does not fit the grid");
        return guard("layout", w.revs.layout ?? 0, op.baseRev, w.layout, op.layout, { widgetId: w.id });
      }
    }
  }

  function checkOp(doc: LooseDoc, op: LooseOp, role: BoardRole | undefined): void {
    if (!role) throw new AppError("FORBIDDEN", "you are not a member of this board");
    if (isBoardLevel(op)) return checkBoardLevel(doc, op, role);
    if (!EDIT.has(role)) throw new AppError("FORBIDDEN", "viewers cannot change this board");
    const w = widgetOf(doc, op.widgetId);
    const target = targetOf(doc, op);
    if (!target?.widget)
      throw new AppError(
        "VALIDATION",
        `widget ${w.id} is a ${w.type}, not a ${target?.module.type ?? op.type}`,
      );
    target.module.check(target.widget, op);
  }

  function applyBoardLevel(doc: LooseDoc, op: BoardLevelOp, rev: number, ctx: OpContext): LooseDoc {
    switch (op.type) {
      case "board.rename":
        return { ...doc, title: op.title, revs: { ...doc.revs, title: rev } };
      case "member.set": {
        const members = op.role ? withOwn(doc.members, op.user, op.role) : withoutOwn(doc.members, op.user);
        return { ...doc, members };
      }
      case "widget.add":
        return setWidget(doc, createWidget(op.widget, rev, ctx.by));
      case "widget.remove":
        return { ...doc, widgets: withoutOwn(doc.widgets, op.widgetId) };
      case "widget.title": {
        const w = widgetIn(doc, op.widgetId);
        return w ? setWidget(doc, { ...w, title: op.title, revs: { ...w.revs, title: rev } }) : doc;
      }
      case "widget.layout": {
        const w = widgetIn(doc, op.widgetId);
        return w ? setWidget(doc, { ...w, layout: op.layout, revs: { ...w.revs, layout: rev } }) : doc;
      }
    }
  }

  function applyOp(doc: LooseDoc, op: LooseOp, rev: number, ctx: OpContext): LooseDoc {
    let next: LooseDoc;
    if (isBoardLevel(op)) next = applyBoardLevel(doc, op, rev, ctx);
    else {
      // A no-op once the widget is gone (or, never for a checked op, when it is of another type).
      const target = targetOf(doc, op);
      next = target?.widget ? setWidget(doc, target.module.apply(target.widget, op, rev)) : doc;
    }
    return { ...next, rev, updatedAt: ctx.at };
  }

  function mergeConcurrentEdit(
    doc: LooseDoc,
    op: LooseOp,
    role: BoardRole | undefined,
    budget = { ms: 20 },
  ): LooseOp {
    if (isBoardLevel(op)) return op;
    const target = targetOf(doc, op);
    if (!target?.module.merge) return op;
    const canEdit = role !== undefined && EDIT.has(role);
    return target.module.merge(op, { widget: target.widget, canEdit, budget });
  }

  // The rules are written once for any registry; the types of `M` are what callers see.
  return { checkOp, applyOp, mergeConcurrentEdit } as unknown as BoardRules<M>;
}

const builtIn: BoardRules<BuiltInWidgetModule> = boardRulesFor(builtInWidgets);

/** `checkOp` of the built-in widget types. */
export const checkOp: (doc: BoardDoc, op: BoardOp, role: BoardRole | undefined) => void = builtIn.checkOp;
/** `applyOp` of the built-in widget types. */
export const applyOp: (doc: BoardDoc, op: BoardOp, rev: number, ctx: OpContext) => BoardDoc = builtIn.applyOp;
/**
 * `mergeConcurrentEdit` of the built-in widget types: a note edit that says which text it started from
 * (`baseText`) is merged with what changed since when the two touch different words; see `widgets/note.ts`.
 */
export const mergeConcurrentEdit: (
  doc: BoardDoc,
  op: BoardOp,
  role: BoardRole | undefined,
  budget?: { ms: number },
) => BoardOp = builtIn.mergeConcurrentEdit;

export function newBoard(input: { id: string; title: string; owner: string; at: number }): BoardDoc {
  return {
    id: input.id,
    title: input.title,
    owner: input.owner,
    members: {},
    rev: 0,
    revs: { title: 0 },
    widgets: {},
    createdAt: input.at,
    updatedAt: input.at,
  };
}
