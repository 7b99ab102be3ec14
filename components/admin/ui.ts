/** Shared looks of the panel's controls, so that every section reads the same. */
export const card = "rounded-2xl bg-white shadow-sm ring-1 ring-slate-200";

const button =
  "inline-flex items-center justify-center gap-1.5 rounded-lg px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:cursor-not-allowed disabled:opacity-50";

export const btnPrimary = `${button} bg-indigo-600 text-white hover:bg-indigo-700`;
export const btnDanger = `${button} bg-rose-600 text-white hover:bg-rose-700`;
export const btnSecondary = `${button} bg-white text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50`;
export const btnGhost = `${button} text-slate-600 hover:bg-slate-100 hover:text-slate-900`;
export const btnDangerGhost = `${button} text-rose-700 hover:bg-rose-50`;

export const input =
  "rounded-lg border-0 px-3 py-1.5 text-sm text-slate-900 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none";
