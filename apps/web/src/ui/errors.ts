/** The message to show for a failed tRPC call (the server's own text, e.g. "gpus: ..."). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return 'something went wrong';
}

/** The tRPC error code carried by a failed call, if any ("UNAUTHORIZED", "NOT_FOUND", ...). */
export function errorCode(err: unknown): string | undefined {
  const data = (err as { data?: { code?: unknown } } | null)?.data;
  return typeof data?.code === 'string' ? data.code : undefined;
}

/** Only same-site paths are followed after login, never another origin. */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
