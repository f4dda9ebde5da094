// The review server: Fastify on loopback (unless told otherwise), every URL under a random token,
// the page from memory, the videos and codings it was started with by id (no path from a request
// reaches the file system), edits journalled before they are answered.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { extname, join } from 'node:path';

import Fastify, { type FastifyReply } from 'fastify';

import { SAVE_FORMATS, type EditRequest, type ReviewState, type SaveFormat } from './protocol';
import { parseRange, videoType } from './range';
import { ReviewRequestError, ReviewSession } from './session';

export interface ReviewServerOptions {
  /** a video file, or a folder whose video files are reviewed */
  source: string;
  /** folders of codings (machine: raw_output, compressed, ui; human: Lookit text, VCX), matched to the videos by id */
  codings?: readonly string[];
  /** the address to listen on; default 127.0.0.1 */
  host?: string;
  /** the port; default 0, a free one */
  port?: number;
  /** allow a host that is not a loopback address (the page and your files are then served to the network) */
  allowRemote?: boolean;
  /** the formats preselected on the page and used when close() saves; default raw_output and lookit */
  formats?: readonly SaveFormat[];
}

export interface ReviewServer {
  /** the page's address, token included */
  url: string;
  host: string;
  port: number;
  /** Saves every video edited since its last save (in the default formats), then stops the server; resolves to the files written. */
  close(): Promise<string[]>;
}

/** Whether `host` names this machine's loopback interface only. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

const PAGE_FILES: Record<string, string> = { '': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'style.css': 'text/css; charset=utf-8' };

/** The bundled page (built by `npm run build` into dist/page), read once. */
function pageAssets(): Map<string, Buffer> {
  const dir = join(__dirname, '..', 'dist', 'page'); // from dist/ as from src/ (the package's tests)
  const assets = new Map<string, Buffer>();
  for (const name of Object.keys(PAGE_FILES)) {
    const file = join(dir, name === '' ? 'index.html' : name);
    if (!existsSync(file)) throw new Error(`${file} is missing: the review page is not built (npm run build)`);
    assets.set(name, readFileSync(file));
  }
  return assets;
}

const STATES: readonly ReviewState[] = ['unreviewed', 'in progress', 'done'];

/** The edit a request body asks for, or a 400 saying what is wrong with it. */
export function parseEdit(body: unknown): EditRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const integer = (key: string): number => {
    const value = b[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new ReviewRequestError(400, `'${key}' must be an integer`);
    return value;
  };
  switch (b.type) {
    case 'set':
      return { type: 'set', start: integer('start'), end: integer('end'), label: integer('label') };
    case 'undo':
    case 'redo':
      return { type: b.type };
    case 'state':
      if (!STATES.includes(b.state as ReviewState)) throw new ReviewRequestError(400, `'state' must be one of ${STATES.join(', ')}`);
      return { type: 'state', state: b.state as ReviewState };
    default:
      throw new ReviewRequestError(400, "'type' must be set, undo, redo or state");
  }
}

function parseFormats(body: unknown): SaveFormat[] {
  const formats = (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).formats : undefined) as unknown;
  if (!Array.isArray(formats) || formats.length === 0 || !formats.every((f) => (SAVE_FORMATS as readonly unknown[]).includes(f))) {
    throw new ReviewRequestError(400, `'formats' must be a non-empty list of ${SAVE_FORMATS.join(', ')}`);
  }
  return [...new Set(formats as SaveFormat[])];
}

function refuse(reply: FastifyReply, status: 403 | 421, message: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
}

/**
 * Starts `gazecoder review`'s server: reads the videos and codings, replays the journals, listens,
 * and resolves once the page can be opened at `url`. Errors name the file or option and the problem.
 */
export async function startReviewServer(options: ReviewServerOptions): Promise<ReviewServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${port}: not a port number (0 to 65535; 0 picks a free one)`);
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new Error(`--host ${host}: not a loopback address; the page, your videos and codings would be served to whoever can reach it (pass --allow-remote to mean it)`);
  }
  const formats = options.formats ? [...options.formats] : (['raw_output', 'lookit'] as SaveFormat[]);
  const assets = pageAssets();
  const session = await ReviewSession.open({ source: options.source, codings: options.codings ?? [], defaultFormats: formats });
  const sizes = new Map(session.info().videos.map((v) => [v.id, statSync(session.videoPath(v.id)).size]));
  const token = randomBytes(24).toString('base64url');
  const prefix = `/${token}`;

  // forceCloseConnections: a page left open keeps a video stream going; stopping (after saving) must not wait for it.
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true, routerOptions: { maxParamLength: 1000 } });
  let boundPort = port;

  const tokenOk = (url: string): boolean => {
    const given = Buffer.from(url.slice(0, prefix.length));
    const next = url.charAt(prefix.length);
    return given.length === prefix.length && timingSafeEqual(given, Buffer.from(prefix)) && (next === '/' || next === '');
  };
  const hostOk = (header: string | undefined): boolean => {
    if (!isLoopback(host)) return true; // --allow-remote: any name that reaches it
    // On loopback, only loopback names: a page elsewhere cannot reach it through DNS rebinding.
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header ?? '');
    return match !== null && isLoopback(match[1] as string) && Number(match[2] ?? 80) === boundPort;
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.raw.url ?? '';
    if (!hostOk(request.headers.host)) return refuse(reply, 421, `refused: Host '${request.headers.host ?? ''}' is not this loopback server`);
    if (!tokenOk(url)) return refuse(reply, 403, "refused: the URL's token is missing or wrong (use the URL gazecoder review printed)");
    if (url === prefix) return reply.redirect(`${prefix}/`);
    return undefined;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof ReviewRequestError) return reply.code(error.status).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    const message = error instanceof Error ? error.message : String(error);
    if (typeof status === 'number' && status >= 400 && status < 500) return reply.code(status).send({ error: message });
    return reply.code(500).send({ error: message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  await app.register(
    async (routes) => {
      for (const [name, type] of Object.entries(PAGE_FILES)) {
        routes.get(`/${name}`, async (_request, reply) => reply.type(type).send(assets.get(name)));
      }
      routes.get('/api/session', async () => session.info());
      routes.get<{ Params: { id: string } }>('/api/videos/:id', async (request) => session.detail(request.params.id));
      routes.get<{ Params: { id: string }; Querystring: { a?: string; b?: string } }>('/api/videos/:id/agreement', async (request) => {
        const { a, b } = request.query;
        if (typeof a !== 'string' || typeof b !== 'string') throw new ReviewRequestError(400, "'a' and 'b' must name two tracks");
        return session.agreement(request.params.id, a, b);
      });
      routes.post<{ Params: { id: string } }>('/api/videos/:id/edits', async (request) => session.edit(request.params.id, parseEdit(request.body)));
      routes.post<{ Params: { id: string } }>('/api/videos/:id/save', async (request) => ({ written: await session.save(request.params.id, parseFormats(request.body)) }));
      routes.get<{ Params: { id: string } }>('/api/videos/:id/media', async (request, reply) => {
        const path = session.videoPath(request.params.id);
        const size = sizes.get(request.params.id) as number;
        const range = parseRange(request.headers.range, size);
        reply.header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600').type(videoType(extname(path)));
        if (range.kind === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${size}`).send();
        if (range.kind === 'partial') {
          reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
          return reply.send(createReadStream(path, { start: range.start, end: range.end }));
        }
        return reply.header('content-length', size).send(createReadStream(path));
      });
    },
    { prefix },
  );

  try {
    await app.listen({ host, port });
  } catch (error) {
    session.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`--port ${port}: ${host}:${port} is in use (another gazecoder review? pick another --port, or 0 for a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`--host ${host}: no such address on this machine`);
    if (code === 'EACCES') throw new Error(`--port ${port}: not allowed to listen on it (ports below 1024 need privileges)`);
    throw error;
  }
  const address = app.server.address();
  boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  let closing: Promise<string[]> | undefined;
  return {
    url: `http://${urlHost}:${boundPort}${prefix}/`,
    host,
    port: boundPort,
    close: () =>
      (closing ??= (async () => {
        try {
          return await session.saveUnsaved(formats);
        } finally {
          await app.close();
          session.close();
        }
      })()),
  };
}
