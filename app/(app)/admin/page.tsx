import type { Metadata } from "next";
import { AdminPanel } from "@/components/admin/AdminPanel";

export const metadata: Metadata = { title: "Admin" };

/** Admins only: proxy.ts redirects everyone else, and the `/admin` namespace refuses them too. */
export default function AdminPage() {
  return <AdminPanel />;
}
