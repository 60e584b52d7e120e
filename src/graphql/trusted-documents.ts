// Trusted documents (operation safelisting, as Apollo Router's `persisted_queries.safelist`):
// the documents of known clients, compiled into manifests at build time, loaded from a
// directory (one file per client) and re-read when a file changes or on SIGHUP, without a
// restart. A request may name a document by id — Apollo Client's persisted-query link sends
// `extensions.persistedQuery.sha256Hash`, GraphQL-over-HTTP clients `documentId` — or send its
// text; a text is trusted when it is one of the manifests' documents. What happens to any
// other document is the mode's: `off` runs it, `log` runs and counts it, `require` refuses it
// unless the caller may explore (an API key with the free-form scope, or the dev user).
import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import { SCOPES, type Viewer } from '../auth/viewer.js';
import { AppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';

export type TrustedMode = 'off' | 'log' | 'require';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `{id: document}` (client-preset), or Apollo's `{format, operations: [{id, body}]}`. */
function entriesOf(json: unknown): [string, string][] {
  if (json && typeof json === 'object' && Array.isArray((json as { operations?: unknown }).operations)) {
    return (json as { operations: { id?: unknown; body?: unknown }[] }).operations
      .filter((o) => typeof o.id === 'string' && typeof o.body === 'string')
      .map((o) => [o.id as string, o.body as string]);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('not an object of id → document');
  return Object.entries(json).filter((e): e is [string, string] => typeof e[1] === 'string');
}

const UNTRUSTED =
  'Only trusted documents are accepted: send the id of a document from a manifest (extensions.persistedQuery.sha256Hash or documentId), or use an API key with the free-form scope';
const REASON = 'PERSISTED_QUERY_NOT_TRUSTED';

/** Inside Apollo (a document it resolved). */
export const untrustedError = () =>
  new GraphQLError(UNTRUSTED, { extensions: { code: 'BAD_USER_INPUT', reason: REASON, http: { status: 400 } } });

/** Before Apollo (an id no manifest has): the same error, as the HTTP layer sends it. */
const untrustedAppError = () => new AppError(400, 'BAD_USER_INPUT', UNTRUSTED, {}, { reason: REASON });

export class TrustedDocuments {
  #byId = new Map<string, string>();
  #hashes = new Set<string>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #onHup = () => this.reload();

  constructor(
    readonly mode: TrustedMode,
    readonly dir: string | undefined,
    readonly freeformScope: string,
    private readonly logger: Logger,
    private readonly onUntrusted: (outcome: 'logged' | 'refused' | 'allowed') => void = () => {},
  ) {
    if (!(SCOPES as readonly string[]).includes(freeformScope)) {
      throw new Error(`TRUSTED_DOCUMENTS_FREEFORM_SCOPE must be one of ${SCOPES.join(', ')}`);
    }
    if (mode === 'off') return;
    this.reload();
    if (dir) {
      // Editors and build steps write in bursts: read once they settle.
      this.#watcher = watch(dir, () => {
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => this.reload(), 50);
        this.#timer.unref();
      });
      this.#watcher.unref();
    }
    process.on('SIGHUP', this.#onHup);
  }

  get size(): number {
    return this.#byId.size;
  }

  /** Re-reads every manifest; a manifest that does not parse keeps nothing of the old set from failing the rest. */
  reload(): void {
    const byId = new Map<string, string>();
    const files = this.dir ? readdirSync(this.dir).filter((f) => f.endsWith('.json')) : [];
    for (const file of files.sort()) {
      try {
        for (const [id, doc] of entriesOf(JSON.parse(readFileSync(join(this.dir as string, file), 'utf8')))) {
          byId.set(id, doc);
        }
      } catch (err) {
        this.logger.error({ file, err: { message: (err as Error).message } }, 'trusted documents: manifest skipped');
      }
    }
    this.#byId = byId;
    this.#hashes = new Set([...byId.values()].map(sha256));
    this.logger.info({ documents: byId.size, manifests: files.length }, 'trusted documents loaded');
  }

  /** The document a request names by id, if a manifest has it. */
  documentOf(id: string): string | undefined {
    return this.#byId.get(id.startsWith('sha256:') ? id.slice(7) : id);
  }

  isTrusted(text: string): boolean {
    return this.#hashes.has(sha256(text));
  }

  /** May this caller send documents no manifest has? */
  mayExplore(viewer: Viewer): boolean {
    return (
      viewer.kind === 'noauth' || (viewer.kind === 'api-key' && viewer.scopes.includes(this.freeformScope as never))
    );
  }

  /** Decides about a document about to run: throws in `require` mode when it may not. */
  check(text: string, viewer: Viewer, operationName: string | null | undefined): void {
    if (this.mode === 'off' || this.isTrusted(text)) return;
    if (this.mode === 'log') {
      this.onUntrusted('logged');
      this.logger.warn({ operation: operationName ?? null, hash: sha256(text) }, 'untrusted GraphQL document');
      return;
    }
    if (this.mayExplore(viewer)) {
      this.onUntrusted('allowed');
      return;
    }
    this.onUntrusted('refused');
    throw untrustedError();
  }

  /** Counts a refused id (resolveDocumentId). */
  refusedId(): void {
    this.onUntrusted('refused');
  }

  close(): void {
    this.#watcher?.close();
    clearTimeout(this.#timer);
    process.off('SIGHUP', this.#onHup);
  }
}

/**
 * Puts the manifest's document into a request that names one by id (before Apollo sees it), so
 * it runs like any request with a query. An id no manifest has is left to APQ, except in
 * `require` mode for a caller who may not explore: refused at once.
 */
export function resolveDocumentId(trusted: TrustedDocuments, body: unknown, viewer: Viewer): void {
  if (trusted.mode === 'off' || !body || typeof body !== 'object') return;
  const b = body as {
    query?: unknown;
    documentId?: unknown;
    extensions?: { persistedQuery?: { sha256Hash?: unknown } } & Record<string, unknown>;
  };
  if (typeof b.query === 'string') return;
  const hash = b.extensions?.persistedQuery?.sha256Hash;
  const id = typeof b.documentId === 'string' ? b.documentId : typeof hash === 'string' ? hash : undefined;
  if (id === undefined) return;
  const doc = trusted.documentOf(id);
  if (doc !== undefined) {
    b.query = doc;
    delete b.documentId;
    // Not an APQ registration: the manifest is the store (ids need not be the text's SHA-256).
    if (b.extensions) delete b.extensions.persistedQuery;
    return;
  }
  if (trusted.mode === 'require' && !trusted.mayExplore(viewer)) {
    trusted.refusedId();
    throw untrustedAppError();
  }
}
