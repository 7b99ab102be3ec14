import type { Metadata } from "next";
import { AdminTabs } from "@/components/admin/AdminTabs";

export const metadata: Metadata = { title: "Admin" };

/** Admins only: proxy.ts redirects everyone else, and the `/admin` namespace refuses them too. */
export default function AdminPage() {
  return <AdminTabs />;
}
