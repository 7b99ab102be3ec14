import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { Providers } from "@/components/shell/Providers";
import { sessionFromHeaders } from "@/lib/session-headers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Pulseboard", template: "%s · Pulseboard" },
  description: "Real-time collaborative dashboards",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#4f46e5" };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the request renders every page per request, so that each carries the CSP nonce proxy.ts made for it.
  const requestHeaders = await headers();
  // The signed-in user, as the proxy verified it: the page starts with its session (see lib/session-headers.ts).
  const session = sessionFromHeaders((name) => requestHeaders.get(name));
  return (
    <html lang="en">
      <body className="font-sans">
        <Providers session={session}>{children}</Providers>
      </body>
    </html>
  );
}
