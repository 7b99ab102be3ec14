"use client";

import { SessionProvider } from "next-auth/react";
import type { ReactNode } from "react";
import { Toaster } from "sonner";
import { SocketProvider } from "../realtime/SocketProvider";

export function Providers({ children }: { children: ReactNode }) {
  return (
    <SessionProvider refetchOnWindowFocus={false}>
      <SocketProvider>{children}</SocketProvider>
      {/* At the bottom: a toast never covers the header's controls (the bell, the board's buttons). */}
      <Toaster position="bottom-right" richColors closeButton />
    </SessionProvider>
  );
}
