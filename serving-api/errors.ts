/**
 * The API's refusals, each mapped to one status by the error handler in app.ts: a parameter the
 * caller must fix (400, named), an unknown symbol (404), a backend that did not answer (503,
 * named). Anything else is a bug and answers 500.
 */

export class BadParameterError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
    this.name = 'Bad Request';
  }
}

export class UnknownSymbolError extends Error {
  readonly statusCode = 404;
  constructor(readonly symbol: string) {
    super(`unknown symbol ${symbol}: not tracked and not in the batch view`);
    this.name = 'Not Found';
  }
}

/** The backends as the API names them in 503s, /ready and metrics. */
export type BackendName = 'view store' | 'lake' | 'event log';

export class BackendUnavailableError extends Error {
  readonly statusCode = 503;
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend} unavailable: ${message}`, options);
    this.name = 'Service Unavailable';
  }
}
