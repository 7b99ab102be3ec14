import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../../protocol/errors";
import { boardOpSchema, boardSchemasFor } from "../../protocol/boards";
import { guarded, widgetTarget } from "../../protocol/schemas";
import { boardRulesFor, newBoard } from "../apply";
import { decodeFieldKey, encodeFieldKey, fieldOfOp, fieldsCreatedBy, revOfField } from "../field-key";
import { roleOf, type BoardDoc } from "../types";
import { defineWidget, guard, type WidgetOfModule } from "./define";
import { BUILT_IN_WIDGETS, builtInWidgets } from "./index";
import { createWidgetRegistry } from "./registry";

/**
 * A fifth widget type, written the way docs/ARCHITECTURE-widgets.md says: one module, registered in a registry
 * made for this test (the built-in one never sees it). A counter has a guarded `count` and a `bump` that merges.
 */
interface CounterData {
  count: number;
  step: number;
}
const COUNTER_LIMITS = { max: 1_000 } as const;
const count = z.number().int().min(0).max(COUNTER_LIMITS.max);

const counter = defineWidget<CounterData>()({
  type: "counter",
  data: z.strictObject({ count, step: z.number().int().min(1).default(1) }).default({ count: 0, step: 1 }),
  ops: [
    z.strictObject({ type: z.literal("counter.set"), ...widgetTarget, count, ...guarded }),
    z.strictObject({ type: z.literal("counter.bump"), ...widgetTarget }),
  ],
  limits: COUNTER_LIMITS,
  size: { initial: { w: 2, h: 2 }, min: { w: 1, h: 1 } },
  fields: ["count"],
  create: (data) => ({ count: data.count, step: data.step }),
  fieldOf: (op) => (op.type === "counter.set" ? { field: "count" } : undefined),
  check(w, op) {
    if (op.type === "counter.set")
      guard("count", w.revs.count ?? 0, op.baseRev, w.data.count, op.count, { widgetId: w.id });
  },
  apply(w, op, rev) {
    if (op.type === "counter.set")
      return { ...w, data: { ...w.data, count: op.count }, revs: { ...w.revs, count: rev } };
    const bumped = Math.min(COUNTER_LIMITS.max, w.data.count + w.data.step);
    return { ...w, data: { ...w.data, count: bumped }, revs: { ...w.revs, count: rev } };
  },
});

const registry = createWidgetRegistry([...BUILT_IN_WIDGETS, counter]);
const { boardOpSchema: opSchema } = boardSchemasFor(registry);
const rules = boardRulesFor(registry);
type Doc = BoardDoc<WidgetOfModule<(typeof registry.modules)[number]>>;

const layout = { x: 0, y: 0, w: 2, h: 2 };

function commit(doc: Doc, raw: unknown, by = "alice"): Doc {
  const op = opSchema.parse(raw);
  rules.checkOp(doc, op, roleOf(doc, by));
  return rules.applyOp(doc, op, doc.rev + 1, { by, at: doc.rev + 1 });
}

function errorOf(fn: () => void): AppError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  return undefined;
}

function boardWithCounter(): Doc {
  const doc: Doc = newBoard({ id: "b", title: "B", owner: "alice", at: 0 });
  const shared = commit(doc, { type: "member.set", user: "bob", role: "editor" });
  return commit(shared, { type: "widget.add", widget: { id: "c1", type: "counter", layout } });
}

describe("a widget type registered by a test", () => {
  it("is validated by the protocol schema built from its registry, and unknown to the built-in one", () => {
    const add = { type: "widget.add", widget: { id: "c1", type: "counter", layout } };
    expect(opSchema.parse(add)).toEqual({
      type: "widget.add",
      widget: { id: "c1", type: "counter", title: "", layout, data: { count: 0, step: 1 } },
    });
    expect(boardOpSchema.safeParse(add).success).toBe(false);
    const tooBig = { type: "counter.set", widgetId: "c1", count: COUNTER_LIMITS.max + 1, baseRev: 0 };
    expect(opSchema.safeParse(tooBig).success).toBe(false);
    expect(opSchema.safeParse({ type: "counter.set", widgetId: "c1", count: 3 }).success).toBe(false);
    expect(opSchema.safeParse({ type: "counter.bump", widgetId: "c1" }).success).toBe(true);
    expect(boardOpSchema.safeParse({ type: "counter.bump", widgetId: "c1" }).success).toBe(false);
    // The built-in types are all still there.
    expect(opSchema.safeParse({ type: "note.text", widgetId: "n", text: "x", baseRev: 0 }).success).toBe(
      true,
    );
  });

  it("is created with its fields' revisions and applied through the board's rules", () => {
    const doc = boardWithCounter();
    expect(doc.widgets.c1).toEqual({
      id: "c1",
      type: "counter",
      title: "",
      layout,
      data: { count: 0, step: 1 },
      revs: { title: 2, layout: 2, count: 2 },
      createdBy: "alice",
    });
    const set = commit(doc, { type: "counter.set", widgetId: "c1", count: 5, baseRev: 2 }, "bob");
    expect(set.widgets.c1).toMatchObject({ data: { count: 5 }, revs: { count: 3 } });
    const bumped = commit(set, { type: "counter.bump", widgetId: "c1" });
    expect(bumped.widgets.c1).toMatchObject({ data: { count: 6 }, revs: { count: 4 } });
    expect(bumped.rev).toBe(4);
    // The common ops work on it as on any widget.
    const renamed = commit(bumped, { type: "widget.title", widgetId: "c1", title: "Visits", baseRev: 2 });
    expect(renamed.widgets.c1).toMatchObject({ title: "Visits", revs: { title: 5, count: 4 } });
  });

  it("refuses an unseen overwrite of its field with CONFLICT, and an op on another type's widget", () => {
    const doc = commit(
      boardWithCounter(),
      { type: "counter.set", widgetId: "c1", count: 5, baseRev: 2 },
      "bob",
    );
    const stale = opSchema.parse({ type: "counter.set", widgetId: "c1", count: 9, baseRev: 2 });
    const err = errorOf(() => rules.checkOp(doc, stale, "owner"));
    expect(err?.code).toBe("CONFLICT");
    expect(err?.details).toMatchObject({ widgetId: "c1", field: "count", current: 5, rev: 3 });
    const seen = opSchema.parse({ type: "counter.set", widgetId: "c1", count: 9, baseRev: 3 });
    expect(errorOf(() => rules.checkOp(doc, seen, "owner"))).toBeUndefined();
    const withNote = commit(doc, { type: "widget.add", widget: { id: "n", type: "note", layout } });
    const wrongType = opSchema.parse({ type: "counter.bump", widgetId: "n" });
    expect(errorOf(() => rules.checkOp(withNote, wrongType, "owner"))?.code).toBe("VALIDATION");
    const viewer = errorOf(() => rules.checkOp(doc, seen, undefined));
    expect(viewer?.code).toBe("FORBIDDEN");
  });

  it("has field keys built and read by the one field-key helper", () => {
    const doc = commit(boardWithCounter(), { type: "counter.set", widgetId: "c1", count: 5, baseRev: 2 });
    const ref = fieldOfOp(
      registry,
      opSchema.parse({ type: "counter.set", widgetId: "c1", count: 1, baseRev: 3 }),
    );
    expect(ref && encodeFieldKey(ref)).toBe("w:c1:count");
    expect(revOfField(registry, doc, decodeFieldKey("w:c1:count")!)).toBe(3);
    expect(fieldOfOp(registry, opSchema.parse({ type: "counter.bump", widgetId: "c1" }))).toBeUndefined();
    const add = opSchema.parse({ type: "widget.add", widget: { id: "c2", type: "counter", layout } });
    expect(fieldsCreatedBy(registry, add).map(encodeFieldKey)).toEqual([
      "w:c2:title",
      "w:c2:layout",
      "w:c2:count",
    ]);
  });
});

describe("createWidgetRegistry", () => {
  it("refuses a type registered twice, a reserved name, an op not named after its type, a common field", () => {
    expect(() => createWidgetRegistry([...BUILT_IN_WIDGETS, counter, counter])).toThrow(/registered twice/);
    expect(() => createWidgetRegistry([{ ...counter, type: "widget" }])).toThrow(/cannot name/);
    expect(() => createWidgetRegistry([{ ...counter, type: "tally" }])).toThrow(/must be "tally\.<verb>"/);
    expect(() => createWidgetRegistry([{ ...counter, fields: ["title"] }])).toThrow(
      /every widget has "title"/,
    );
  });

  it("lists the built-in types once each, and finds each op's module", () => {
    expect(builtInWidgets.modules.map((m) => m.type)).toEqual(["note", "kpi", "checklist", "chart"]);
    expect(builtInWidgets.moduleOfOp("checklist.done")?.type).toBe("checklist");
    expect(builtInWidgets.moduleOfOp("widget.title")).toBeUndefined();
    expect(builtInWidgets.module("counter")).toBeUndefined();
  });
});

describe("field keys", () => {
  it("decode what they encode, and nothing else", () => {
    for (const ref of [
      { board: "title" as const },
      { widgetId: "n1", field: "text" },
      { widgetId: "c1", item: "i1", field: "done" },
    ])
      expect(decodeFieldKey(encodeFieldKey(ref))).toEqual(ref);
    for (const bad of ["", "w:", "w:n1", "w:n1:item:i1", "x:n1:text", "w:n1:a:b:c", "board:other"])
      expect(decodeFieldKey(bad)).toBeUndefined();
  });
});
