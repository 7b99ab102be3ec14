"use client";

import { SessionProvider } from "next-auth/react";
import type { ReactNode } from "react";
import { Toaster } from "sonner";
import { SocketProvider } from "../realtime/SocketProvider";

export function Providers({ children }: { children: ReactNode }) {
  return (
    <SessionProvider refetchOnWindowFocus={false}>
      <SocketProvider>{children}</SocketProvider>
      <Toaster position="top-right" richColors closeButton />
    </SessionProvider>
  );
}
