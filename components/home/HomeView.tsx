"use client";

import Link from "next/link";
import { useSession } from "next-auth/react";
import { KeyRound } from "lucide-react";
import { useState } from "react";
import { btn } from "@/components/ui/styles";
import { ConnectionCard } from "../realtime/ConnectionCard";
import { BoardList } from "./BoardList";
import { RecentlyDeleted } from "./RecentlyDeleted";

export function HomeView() {
  const { data } = useSession();
  // A restored board shows in the list again: the list reloads.
  const [listVersion, setListVersion] = useState(0);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">
          Welcome{data?.user ? `, ${data.user.name}` : ""}
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Your boards, your live connection, and your integrations.
        </p>
      </div>
      <BoardList key={listVersion} />
      <RecentlyDeleted onRestored={() => setListVersion((v) => v + 1)} />
      <div className="grid grid-cols-1 gap-6 md:grid-cols-2">
        <ConnectionCard />
        <section className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
          <h2 className="flex items-center gap-2 font-medium text-slate-900">
            <KeyRound className="h-4 w-4 text-indigo-600" aria-hidden /> Scripts and integrations
          </h2>
          <p className="mt-2 text-sm text-slate-600">
            Create an API token to connect with socket.io-client or push data over HTTP.
          </p>
          <Link href="/tokens" className={`${btn.primary} mt-4`}>
            Manage API tokens
          </Link>
        </section>
      </div>
    </div>
  );
}
