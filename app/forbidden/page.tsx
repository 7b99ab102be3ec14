import Link from "next/link";
import { Logo } from "@/components/shell/Logo";
import { btn } from "@/components/ui/styles";

export default function ForbiddenPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="max-w-md rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
        <Logo className="text-slate-900" />
        <h1 className="mt-6 text-xl font-semibold">This page is for admins</h1>
        <p className="mt-2 text-sm text-slate-600">
          Your account does not have the admin role. Ask an admin if you need access.
        </p>
        <Link href="/" className={`${btn.primary} mt-6`}>
          Back to Pulseboard
        </Link>
      </div>
    </main>
  );
}
