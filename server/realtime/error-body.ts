import type { ZodError } from "zod";
import type { ErrorBody } from "@/lib/protocol/errors";

/** A zod failure as the client sees it: the first issue in words (with its field), all of them in details. */
export function validationError(err: ZodError, fallback = "invalid payload"): ErrorBody {
  const issue = err.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return {
    code: "VALIDATION",
    message: `${where}${issue?.message ?? fallback}`,
    details: { issues: err.issues.slice(0, 10).map((i) => ({ path: i.path.join("."), message: i.message })) },
  };
}

/** Errors ioredis raises while Redis (or a Cluster shard) is unreachable: worth a retry, not a bug report. */
export function isStorageUnavailable(err: unknown): boolean {
  return (
    err instanceof Error &&
    /Connection is closed|Command timed out|Stream isn't writeable|MaxRetriesPerRequest|ECONNREFUSED|CLUSTERDOWN|TRYAGAIN|LOADING|MOVED|ASK/i.test(
      err.message,
    )
  );
}
