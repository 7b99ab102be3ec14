import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="text-center">
        <p className="text-sm font-semibold text-indigo-600">404</p>
        <h1 className="mt-2 text-2xl font-semibold">Nothing here</h1>
        <Link href="/" className="mt-4 inline-block text-sm font-medium text-indigo-700 underline">
          Go home
        </Link>
      </div>
    </main>
  );
}
