// Typed GraphQL requests through app.inject(), using the documents codegen generates.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { FastifyInstance } from 'fastify';
import { print } from 'graphql';

export interface GqlResponse<T> {
  status: number;
  headers: Record<string, unknown>;
  data: T | null | undefined;
  errors: { message: string; extensions?: { code?: string }; path?: (string | number)[] }[] | undefined;
}

export async function gql<TResult, TVars>(
  app: FastifyInstance,
  doc: TypedDocumentNode<TResult, TVars>,
  variables?: TVars,
  headers: Record<string, string> = {},
): Promise<GqlResponse<TResult>> {
  const res = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ query: print(doc), variables }),
  });
  const body = res.json() as { data?: TResult | null; errors?: GqlResponse<TResult>['errors'] };
  return { status: res.statusCode, headers: res.headers, data: body.data, errors: body.errors };
}

export const codeOf = (r: GqlResponse<unknown>) => r.errors?.[0]?.extensions?.code;
