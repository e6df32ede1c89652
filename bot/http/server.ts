// The bureau HTTP server: the dashboard (static files at /, the page with its words filled in) and the JSON API under /api/, every
// API request authenticated with a bearer token and scoped to the token's unit.
// Routes read the principal with `principalOf(req)` (bot/http/scope.ts), which answers 401 when it
// is missing, so a route outside the authenticated scope fails closed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { SetupError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { badRequest, errorHandler, notFound, unauthorized } from './errors.ts';
import { renderPage } from './page.ts';
import { registerActivityRoutes } from './routes/activities.ts';
import { registerPostRoutes } from './routes/posts.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerTrendRoutes } from './routes/trends.ts';
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
/** Files served from npm packages (the dashboard uses no CDN): URL → path resolved from node_modules. */
const require = createRequire(import.meta.url);
const VENDOR: Record<string, () => string> = {
  // echarts' `require` entry is dist/echarts.js; the minified build sits beside it.
  '/vendor/echarts.min.js': () => path.join(path.dirname(require.resolve('echarts')), 'echarts.min.js'),
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The principal behind an Authorization header; a 401 when it is missing, malformed or not valid. */
async function principalFromHeader(deps: ApiDeps, header: string | undefined): Promise<Principal> {
  if (!header) throw unauthorized('sign in: send the header "Authorization: Bearer <token>" (a token comes from `antifraud token create`)');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('the Authorization header must be "Bearer <token>"');
  const p = await authenticate(deps.db.prisma, m[1], deps.clock.now());
  if (!p) throw unauthorized('the token is not valid (unknown or revoked)');
  return p;
}

/** A NUL character in any parameter or body string is refused (PostgreSQL cannot store it in text). */
function rejectNul(req: FastifyRequest): void {
  for (const [where, value] of [['query', req.query], ['path', req.params], ['body', req.body]] as const) {
    const field = nulField(value);
    if (field !== null) throw badRequest(`${field ? `${field} in the ${where}` : `the ${where}`} contains a NUL character (\\u0000); remove it`);
  }
}

/** The name of the first field whose string (or key) holds a NUL, '' for the value itself, null for none. */
function nulField(value: unknown, name = '', depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? name : null;
  if (!value || typeof value !== 'object' || depth > 8) return null;
  for (const [k, v] of Object.entries(value)) {
    const key = name ? `${name}.${k}` : k;
    if (k.includes('\u0000')) return name || 'a parameter name';
    const f = nulField(v, key, depth + 1);
    if (f !== null) return f;
  }
  return null;
}

/** Builds the server without listening (tests use `inject`). */
export function buildServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 } });
  const log = deps.log.child({ name: 'http' });
  app.setErrorHandler(errorHandler(log));
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { status: 404, code: 'not_found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  for (const [route, file] of Object.entries(STATIC)) {
    const raw = fs.readFileSync(path.join(PUBLIC_DIR, file));
    // The page carries the dashboard's words (content/locales/zh-CN/dashboard.yml).
    const body = file === 'index.html' ? renderPage(raw.toString('utf8')) : raw;
    app.get(route, async (_req, reply) =>
      reply
        .type(TYPES[path.extname(file)])
        .header('cache-control', 'no-cache')
        .header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        .send(body),
    );
  }

  for (const [route, file] of Object.entries(VENDOR)) {
    let body: Buffer | undefined; // read on first request: most servers (tests, CLI) never serve it
    app.get(route, async (_req, reply) => {
      body ??= fs.readFileSync(file());
      return reply.type(TYPES['.js']).header('cache-control', 'public, max-age=604800').send(body);
    });
  }

  // The API is one encapsulated scope: its hooks run for every route registered inside it, after
  // the router has decoded the path, so no spelling of a URL (%61pi, //api, /api/me/) reaches a
  // handler without a principal.
  app.register(async (api) => {
    api.addHook('onRequest', async (req) => {
      req.principal = await principalFromHeader(deps, req.headers.authorization);
    });
    api.addHook('preHandler', async (req) => rejectNul(req));
    api.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });
    registerPostRoutes(api, deps);
    registerUnitRoutes(api, deps);
    registerReportRoutes(api, deps);
    registerActivityRoutes(api, deps);
    registerTrendRoutes(api, deps);
    api.all('/api/*', async (req) => {
      throw notFound(`no such endpoint: ${req.method} ${req.url.split('?')[0]}`);
    });
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
