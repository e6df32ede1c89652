// The bureau HTTP server: the dashboard (static files at /) and the JSON API under /api/, every
// API request authenticated with a bearer token and scoped to the token's unit.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { SetupError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { errorHandler, notFound, unauthorized } from './errors.ts';
import { registerActivityRoutes } from './routes/activities.ts';
import { registerPostRoutes } from './routes/posts.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerUnitRoutes } from './routes/units.ts';
import { authenticate, type Principal } from './tokens.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Live login state of the accounts this process drives (overrides the bot_account row). */
export interface LiveAccountStatus {
  name: string;
  loginState: 'starting' | 'logged_out' | 'waiting_scan' | 'logged_in' | 'error';
  qrUrl?: string | null;
  loginName?: string | null;
}
export type AccountsStatusProvider = () => LiveAccountStatus[] | Promise<LiveAccountStatus[]>;

/** What the routes need (a subset of AppContext, so tests can pass a plain object). */
export interface ApiDeps {
  db: Pick<Db, 'prisma' | 'pool'>;
  clock: Clock;
  log: Logger;
  config: Pick<Config, 'timeZone'> & Partial<Pick<Config, 'dataDir'>>;
  accounts?: AccountsStatusProvider;
}

const PUBLIC_DIR = path.resolve(import.meta.dirname, 'public');
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** Builds the server without listening (tests use `inject`). */
export function buildServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 } });
  const log = deps.log.child({ name: 'http' });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { status: 404, code: 'not_found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    else reply.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  });

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    const header = req.headers.authorization;
    if (!header) throw unauthorized('sign in: send the header "Authorization: Bearer <token>" (a token comes from `antifraud token create`)');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <token>"');
    const p = await authenticate(deps.db.prisma, m[1], deps.clock.now());
    if (!p) throw unauthorized('the token is not valid (unknown or revoked)');
    req.principal = p;
  });

  for (const [route, file] of Object.entries(STATIC)) {
    const body = fs.readFileSync(path.join(PUBLIC_DIR, file));
    app.get(route, async (_req, reply) => reply.type(TYPES[path.extname(file)]).header('cache-control', 'no-cache').send(body));
  }

  registerPostRoutes(app, deps);
  registerUnitRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerActivityRoutes(app, deps);
  app.all('/api/*', async (req) => {
    throw notFound(`no such endpoint: ${req.method} ${req.url.split('?')[0]}`);
  });
  return app;
}

/** Live status of one bot made by bot/wechat/bot.ts createWechatBot, for /api/accounts. */
export function botStatusProvider(name: string, bot: { status(): { state: LiveAccountStatus['loginState']; qrcode?: string; user?: string } }): AccountsStatusProvider {
  return () => {
    const s = bot.status();
    return [{ name, loginState: s.state, qrUrl: s.qrcode ?? null, loginName: s.user ?? null }];
  };
}

/**
 * Starts the dashboard and API; `main.ts` calls it when config.httpPort > 0. A port in use or a
 * host that cannot be bound is a SetupError that says what to change.
 */
export async function startHttp(
  ctx: Pick<ApiDeps, 'db' | 'clock' | 'log'> & { config: ApiDeps['config'] },
  opts: { host: string; port: number; accounts?: AccountsStatusProvider },
): Promise<{ close: () => Promise<void>; address: string }> {
  const app = buildServer({ db: ctx.db, clock: ctx.clock, log: ctx.log, config: ctx.config, accounts: opts.accounts });
  let address: string;
  try {
    address = await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new SetupError(`HTTP_PORT ${opts.port} is already in use on ${opts.host} — stop the other process or set HTTP_PORT to a free port (0 turns the dashboard off)`, { cause: err });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new SetupError(`HTTP_HOST ${opts.host} is not an address of this machine — use 127.0.0.1 (local only) or 0.0.0.0 (all interfaces)`, { cause: err });
    if (code === 'EACCES') throw new SetupError(`HTTP_PORT ${opts.port} needs privileges — use a port above 1023, e.g. 8080`, { cause: err });
    throw err;
  }
  ctx.log.child({ name: 'http' }).info({ address }, 'dashboard and API listening');
  return { close: () => app.close(), address };
}
