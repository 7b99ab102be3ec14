"use client";

import type { Session } from "next-auth";
import { SessionProvider } from "next-auth/react";
import type { ReactNode } from "react";
import { Toaster } from "sonner";
import { SocketProvider } from "../realtime/SocketProvider";

/** `session`: the signed-in user as the server saw the request, so that nothing waits for `/api/auth/session`. */
export function Providers({ children, session }: { children: ReactNode; session?: Session }) {
  return (
    <SessionProvider session={session} refetchOnWindowFocus={false}>
      <SocketProvider>{children}</SocketProvider>
      {/* At the bottom: a toast never covers the header's controls (the bell, the board's buttons). */}
      <Toaster position="bottom-right" richColors closeButton />
    </SessionProvider>
  );
}
