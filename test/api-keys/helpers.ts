// Shared bits of the key-lifecycle tests: raw GraphQL calls (to see extensions as sent)
// and a key that shares a real key's prefix but not its secret.
import type { FastifyInstance } from 'fastify';
import { checksumOf } from '../../src/auth/api-key-format.js';

export interface RawGql {
  status: number;
  headers: Record<string, unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL bodies are asserted field by field
  body: any;
  raw: string;
}

export async function gqlRaw(
  app: FastifyInstance,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<RawGql> {
  const res = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ query, variables }),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json(), raw: res.body };
}

/** A well-formed key with the same display prefix as `key` and another secret. */
export function samePrefixOtherSecret(key: string): string {
  const head = key.slice(3, 15);
  let tail = '';
  for (let i = 0; i < 14; i++) tail += 'abcdefghijklmnopqrstuvwxyz'[(i * 7 + key.charCodeAt(20 + (i % 10))) % 26];
  const body = head + tail;
  const other = `sk_${body}${checksumOf(body)}`;
  return other === key ? samePrefixOtherSecret(`${key.slice(0, 20)}x${key.slice(21)}`) : other;
}
