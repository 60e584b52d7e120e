// The SDL names the key scopes from the one list that enforces them (auth/viewer.ts): a scope
// added or renamed there shows in schema/schema.graphql, never a stale hand-written list.
import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/viewer.js';

const sdl = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));

describe('ApiKey.scopes in the SDL', () => {
  it('lists exactly the scopes a key can hold', () => {
    const description = (sdl.getType('ApiKey') as GraphQLObjectType).getFields().scopes?.description ?? '';
    const named = description.match(/[a-z]+:[a-z]+/g) ?? [];
    expect(named).toEqual([...SCOPES]);
    const arg = (sdl.getType('Mutation') as GraphQLObjectType)
      .getFields()
      .createApiKey?.args.find((a) => a.name === 'scopes');
    expect(arg?.description?.match(/[a-z]+:[a-z]+/g)).toEqual([...SCOPES]);
  });
});
