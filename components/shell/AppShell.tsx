"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useSession } from "next-auth/react";
import type { ReactNode } from "react";
import { AccessToasts } from "../board/AccessToasts";
import { NotificationBell } from "../notifications/NotificationBell";
import { ConnectionLimitNotice } from "../realtime/ConnectionLimitNotice";
import { ConnectionStatus } from "../realtime/ConnectionStatus";
import { SessionClosedBanner } from "../realtime/SessionClosedBanner";
import { useReportPlace } from "../realtime/useReportPlace";
import { Logo } from "./Logo";
import { NoticeToasts } from "./NoticeToasts";
import { UserMenu } from "./UserMenu";

interface NavItem {
  href: string;
  label: string;
  adminOnly?: boolean;
}

const NAV: NavItem[] = [
  { href: "/", label: "Home" },
  { href: "/tasks", label: "Tasks" },
  { href: "/tokens", label: "API tokens" },
  { href: "/admin", label: "Admin", adminOnly: true },
];

export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const { data } = useSession();
  const isAdmin = data?.user.role === "admin";
  const items = NAV.filter((n) => !n.adminOnly || isAdmin);
  useReportPlace();
  return (
    <div className="min-h-dvh bg-slate-50">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
          <Link href="/" className="text-slate-900">
            <Logo />
          </Link>
          <nav
            aria-label="Main"
            className="order-3 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto"
          >
            {items.map((item) => {
              const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
              return (
                <Link
                  key={item.href}
                  href={item.href}
                  aria-current={active ? "page" : undefined}
                  className={`whitespace-nowrap rounded-lg px-3 py-1.5 text-sm font-medium ${
                    active
                      ? "bg-indigo-50 text-indigo-700"
                      : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"
                  }`}
                >
                  {item.label}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <ConnectionStatus />
            <NotificationBell />
            <UserMenu />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
        <ConnectionLimitNotice />
        <SessionClosedBanner />
        <NoticeToasts />
        <AccessToasts />
        {children}
      </main>
    </div>
  );
}
