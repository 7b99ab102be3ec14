export function Logo({ className = "" }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold tracking-tight ${className}`}>
      <svg
        aria-hidden
        viewBox="0 0 24 24"
        className="h-6 w-6 text-indigo-600"
        fill="none"
        stroke="currentColor"
        strokeWidth="2.2"
      >
        <rect x="2.5" y="2.5" width="19" height="19" rx="5" className="fill-indigo-50" />
        <path d="M5.5 13h3l2-5 3 9 2-4h3" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      Pulseboard
    </span>
  );
}
