import Link from "next/link";
import { Logo } from "@/components/shell/Logo";

export default function ForbiddenPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="max-w-md rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
        <Logo className="text-slate-900" />
        <h1 className="mt-6 text-xl font-semibold">This page is for admins</h1>
        <p className="mt-2 text-sm text-slate-600">
          Your account does not have the admin role. Ask an admin if you need access.
        </p>
        <Link
          href="/"
          className="mt-6 inline-block rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700"
        >
          Back to Pulseboard
        </Link>
      </div>
    </main>
  );
}
