// Errors that reach a person: one sentence with the wrong value, plus a hint.
// The CLI prints `message` + `hint` and exits non-zero; actions call setFailed with the same.

export class PgkeepError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'PgkeepError';
    this.code = code;
    this.hint = hint;
  }
}

export function isPgkeepError(e: unknown): e is PgkeepError {
  return e instanceof PgkeepError;
}

/** One paragraph for a person: message and hint, no stack. Unexpected errors keep their message. */
export function describeError(e: unknown): string {
  if (isPgkeepError(e)) return e.hint ? `${e.message} Hint: ${e.hint}` : e.message;
  if (e instanceof Error) return `unexpected error: ${e.message}`;
  return `unexpected error: ${String(e)}`;
}
