// JSON errors for the API: { error: { status, code, message } } with the right status and a
// sentence that says what is wrong. Nothing about the data is in a 401/403 message.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, 'bad_request', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const forbidden = (message = 'this token may not see that unit') => new ApiError(403, 'forbidden', message);
export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);

/** Parses a query/body with zod, turning issues into one 400 that names each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const parts = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw badRequest(parts.join('; '));
}

/** The one error boundary of the HTTP server. */
export function errorHandler(log: Logger) {
  return (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) return send(reply, err.status, err.code, err.message);
    if (err instanceof UserError) return send(reply, 400, 'bad_request', err.message);
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const msg = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'send the body as application/json' : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'the request body is too large' : fe.message;
      return send(reply, fe.statusCode, 'bad_request', msg);
    }
    log.error({ err, url: req.url, method: req.method }, 'request failed');
    return send(reply, 500, 'internal', 'internal error; the server log has the details');
  };
}

function send(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.status(status).type('application/json; charset=utf-8').send({ error: { status, code, message } });
}
