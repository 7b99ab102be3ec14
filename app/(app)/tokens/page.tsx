import type { Metadata } from "next";
import { TokenPanel } from "@/components/tokens/TokenPanel";

export const metadata: Metadata = { title: "API tokens" };

export default function TokensPage() {
  return <TokenPanel />;
}
