"use client";

import { LogOut, ShieldCheck, User } from "lucide-react";
import { signOut, useSession } from "next-auth/react";
import { Menu, MenuItem } from "@/components/ui/Menu";

export function UserMenu() {
  const { data } = useSession();

  if (!data?.user) return null;
  const { name, role } = data.user;
  return (
    <Menu
      triggerClassName="flex items-center gap-2 rounded-full py-1 pl-1 pr-3 text-sm font-medium text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      trigger={
        <>
          <span
            aria-hidden
            className="flex h-7 w-7 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold uppercase text-white"
          >
            {name.slice(0, 2)}
          </span>
          <span data-testid="user-name">{name}</span>
        </>
      }
      header={
        <div className="flex items-center gap-2 px-3 py-2 text-xs text-slate-500">
          {role === "admin" ? (
            <ShieldCheck className="h-4 w-4" aria-hidden />
          ) : (
            <User className="h-4 w-4" aria-hidden />
          )}
          Signed in as <strong className="text-slate-800">{name}</strong> ({role})
        </div>
      }
    >
      {
        <MenuItem onSelect={() => void signOut({ callbackUrl: "/signin" })}>
          <LogOut className="h-4 w-4" aria-hidden />
          Sign out
        </MenuItem>
      }
    </Menu>
  );
}
