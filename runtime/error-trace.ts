/** Stack (or message) of anything thrown, for Logger.error's stack argument. */
export function errorTrace(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? error.message)
    : String(error);
}
