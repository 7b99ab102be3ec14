import type { AnyWidgetModule } from "./define";

/** The widget types one board protocol knows, looked up by type and by op. Made once per use, never mutated. */
export interface WidgetRegistry<M extends AnyWidgetModule = AnyWidgetModule> {
  readonly modules: readonly M[];
  /** The module of a widget type. */
  module(type: string): M | undefined;
  /** The module that defines an op type (`note.text` is the note's). */
  moduleOfOp(opType: string): M | undefined;
}

/** Op prefixes of the board itself: no widget type may take them. */
const RESERVED = new Set(["board", "member", "widget"]);
/** Widget fields every type has. */
const COMMON_FIELDS = new Set(["title", "layout"]);

/**
 * The registry of `modules`. Fails fast, as a plugin system should, on a type registered twice, a reserved or
 * malformed type name, an op not named `<type>.<verb>`, or a field that every widget already has.
 */
export function createWidgetRegistry<const L extends readonly AnyWidgetModule[]>(
  modules: L,
): WidgetRegistry<L[number]> {
  type M = L[number];
  const byType = new Map<string, M>();
  const byOp = new Map<string, M>();
  for (const m of modules) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(m.type) || RESERVED.has(m.type))
      throw new Error(`"${m.type}" cannot name a widget type`);
    if (byType.has(m.type)) throw new Error(`widget type "${m.type}" is registered twice`);
    byType.set(m.type, m);
    for (const field of m.fields)
      if (COMMON_FIELDS.has(field))
        throw new Error(`every widget has "${field}"; ${m.type} cannot redefine it`);
    for (const op of m.ops) {
      const opType = String(op.shape.type.value);
      if (!opType.startsWith(`${m.type}.`))
        throw new Error(`op "${opType}" of ${m.type} must be "${m.type}.<verb>"`);
      if (byOp.has(opType)) throw new Error(`op "${opType}" is defined twice`);
      byOp.set(opType, m);
    }
  }
  return {
    modules: [...modules],
    module: (type) => byType.get(type),
    moduleOfOp: (opType) => byOp.get(opType),
  };
}
