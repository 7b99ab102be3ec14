"use client";

import { Loader2, UserPlus, X } from "lucide-react";
import { useMemo, useState, type FormEvent } from "react";
import type { MemberRole } from "@/lib/boards/types";
import { Avatar } from "@/components/ui/Avatar";
import { Dialog } from "@/components/ui/Dialog";
import { btn } from "@/components/ui/styles";
import { useBoardContext } from "./BoardContext";
import { NameSuggest } from "./NameSuggest";

const USER_NAME = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/** Members of the board; the owner adds people by name as editors or viewers, changes roles and removes them. */
export function ShareDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const { doc, state, submit, me } = useBoardContext();
  const isOwner = state.role === "owner";
  const [name, setName] = useState("");
  const [role, setRole] = useState<MemberRole>("editor");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const members = Object.entries(doc.members).sort(([a], [b]) => a.localeCompare(b));
  const taken = useMemo(() => new Set([doc.owner, ...Object.keys(doc.members)]), [doc.owner, doc.members]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const user = name.trim().toLowerCase();
    if (!USER_NAME.test(user)) {
      setError("User names are 2-32 lowercase letters, digits, _ or -.");
      return;
    }
    if (user === doc.owner) {
      setError(`${user} owns this board already.`);
      return;
    }
    setBusy(true);
    setError(null);
    const outcome = await submit({ type: "member.set", user, role });
    setBusy(false);
    if (outcome.ok) setName("");
    else setError(outcome.error.message);
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      size="md"
      title={`Share “${doc.title}”`}
      description={
        isOwner
          ? "Editors can change the board; viewers can only watch. They are notified."
          : "Only the owner can change who has access."
      }
    >
      {isOwner ? (
        <form onSubmit={(e) => void add(e)} className="flex flex-wrap gap-2" noValidate>
          <div className="min-w-0 flex-1">
            <NameSuggest
              aria-label="User name"
              value={name}
              onValueChange={setName}
              exclude={taken}
              placeholder="User name, e.g. bob"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "share-error" : undefined}
            />
          </div>
          <label>
            <span className="sr-only">Role</span>
            <select
              value={role}
              onChange={(e) => setRole(e.target.value as MemberRole)}
              className={`${btn.input} w-auto pr-8`}
            >
              <option value="editor">Editor</option>
              <option value="viewer">Viewer</option>
            </select>
          </label>
          <button type="submit" className={btn.primary} disabled={busy || !name.trim()}>
            {busy ? (
              <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
            ) : (
              <UserPlus className="h-4 w-4" aria-hidden />
            )}
            Share
          </button>
          {error ? (
            <p id="share-error" role="alert" className="w-full text-sm text-rose-700">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
      <h3 className="mt-5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
        People with access
      </h3>
      <ul className="mt-2 divide-y divide-slate-100" data-testid="share-members">
        <li className="flex items-center gap-3 py-2">
          <Avatar name={doc.owner} />
          <span className="flex-1 text-sm font-medium text-slate-800">
            {doc.owner}
            {doc.owner === me ? <span className="font-normal text-slate-500"> (you)</span> : null}
          </span>
          <span className="text-xs font-medium text-slate-500">Owner</span>
        </li>
        {members.map(([user, memberRole]) => (
          <li key={user} className="flex items-center gap-3 py-2" data-testid={`member-${user}`}>
            <Avatar name={user} />
            <span className="flex-1 text-sm font-medium text-slate-800">
              {user}
              {user === me ? <span className="font-normal text-slate-500"> (you)</span> : null}
            </span>
            {isOwner ? (
              <>
                <label>
                  <span className="sr-only">Role of {user}</span>
                  <select
                    value={memberRole}
                    onChange={(e) =>
                      void submit({ type: "member.set", user, role: e.target.value as MemberRole })
                    }
                    className="rounded-md border-0 bg-transparent py-1 pr-7 pl-2 text-xs text-slate-700 ring-1 ring-slate-200 focus:ring-2 focus:ring-indigo-500"
                  >
                    <option value="editor">Editor</option>
                    <option value="viewer">Viewer</option>
                  </select>
                </label>
                <button
                  type="button"
                  onClick={() => void submit({ type: "member.set", user, role: null })}
                  aria-label={`Remove ${user}`}
                  className={btn.icon}
                >
                  <X className="h-4 w-4" aria-hidden />
                </button>
              </>
            ) : (
              <span className="text-xs font-medium text-slate-500">
                {memberRole === "editor" ? "Editor" : "Viewer"}
              </span>
            )}
          </li>
        ))}
        {members.length === 0 ? <li className="py-2 text-sm text-slate-500">Nobody else yet.</li> : null}
      </ul>
    </Dialog>
  );
}
