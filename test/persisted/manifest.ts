// The dashboard build's trusted-documents manifest (issue 27), written by `npm run codegen` and
// checked by `npm run schema:check`: every operation of test/operations (through codegen's typed
// documents in test/gql) as Apollo Client sends it — its cache's document transform adds
// __typename, then the persisted-query link hashes `print(document)` with SHA-256 — in the
// client-preset shape `{"<sha256>": "<document>"}` that TRUSTED_DOCUMENTS_DIR loads.
// (The client preset's own `persistedDocuments` hashes a normalised one-line print without
// __typename, which is not what the link sends: its ids would never match.)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InMemoryCache } from '@apollo/client';
import { type DocumentNode, print } from 'graphql';
import * as documents from '../gql/graphql.js';

export const MANIFEST_PATH = fileURLToPath(new URL('./dashboard.json', import.meta.url));

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every typed document codegen emitted, by operation name. */
export function operations(): Map<string, DocumentNode> {
  const ops = new Map<string, DocumentNode>();
  for (const [name, value] of Object.entries(documents)) {
    if (!name.endsWith('Document') || !value || typeof value !== 'object' || !('definitions' in value)) continue;
    ops.set(name.slice(0, -'Document'.length), value as DocumentNode);
  }
  return ops;
}

/** The text the link sends for a document, and its id. */
export function asSent(doc: DocumentNode, cache = new InMemoryCache()): { id: string; text: string } {
  const text = print(cache.transformDocument(doc));
  return { id: sha256(text), text };
}

export function buildManifest(): Record<string, string> {
  const cache = new InMemoryCache();
  const manifest: Record<string, string> = {};
  for (const doc of operations().values()) {
    const { id, text } = asSent(doc, cache);
    manifest[id] = text;
  }
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = `${JSON.stringify(buildManifest(), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(MANIFEST_PATH, 'utf8');
    } catch {}
    if (current !== text) {
      console.error(`${MANIFEST_PATH} is stale: run \`npm run codegen\` and commit it`);
      process.exit(1);
    }
  } else {
    writeFileSync(MANIFEST_PATH, text);
    console.log(`wrote ${MANIFEST_PATH}`);
  }
}
