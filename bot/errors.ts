// Two kinds of errors: a UserError is expected and becomes a polite reply or a one-line CLI
// message; anything else is logged once, with context, at a top-level boundary.

/** An expected failure whose message is meant for the user (a content key plus parameters in chat). */
export class UserError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
    message?: string,
  ) {
    super(message ?? key);
    this.name = 'UserError';
  }
}

/** A failure of the environment (database, port, directory) with a sentence that says how to fix it. */
export class SetupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SetupError';
  }
}
