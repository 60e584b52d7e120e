// One error handler for every route: the contract's status and body (REST `{"detail"}`,
// GraphQL `errors[].extensions.code`), 5xx details logged and never sent. A path that exists
// with other methods is 405 `Method Not Allowed` with `Allow`, as Torale (Starlette) answers.
import fp from 'fastify-plugin';
import { Errors } from '../errors.js';
import { httpErrorOf, sendError } from '../http/error-handler.js';

/** `/api/v1/tasks/:task_id` → a pattern matching its concrete paths, with or without a trailing slash. */
function pathPattern(url: string): RegExp {
  const body = url
    .replace(/\/+$/, '')
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

export default fp(
  async (app) => {
    const routes: { pattern: RegExp; methods: string[] }[] = [];
    app.addHook('onRoute', (route) => {
      const url = route.url ?? route.path;
      // HEAD and OPTIONS follow the others (CORS preflight answers OPTIONS on every path).
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
        (m) => m !== 'HEAD' && m !== 'OPTIONS',
      );
      if (methods.length > 0 && url !== '*' && url !== '/*') routes.push({ pattern: pathPattern(url), methods });
    });
    /** The methods a path has, if it exists at all (else the request is a plain 404). */
    const methodsOf = (url: string): string[] => {
      const path = url.split('?')[0] ?? '';
      const found = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) found.add(m);
      return [...found];
    };

    app.setErrorHandler((error, request, reply) => {
      const err = httpErrorOf(error, request);
      if (err.status >= 500) {
        const log = err.status === 503 ? request.log.warn.bind(request.log) : request.log.error.bind(request.log);
        log({ err: error }, 'request failed');
      }
      return sendError(request, reply, err);
    });
    app.setNotFoundHandler((request, reply) => {
      const allowed = methodsOf(request.url);
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        return sendError(request, reply, Errors.methodNotAllowed(allowed.join(', ')));
      }
      return sendError(request, reply, Errors.notFound());
    });
  },
  { name: 'torale-errors' },
);
