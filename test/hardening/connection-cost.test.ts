// Issue 23 finding 13: every Relay connection's page of 100, with every scalar field of its
// node and page info, fits the cost budget. The connections are found by walking the
// schema (any field whose type is named *Connection, at the root or one object below it),
// so a connection added later is covered without editing this file.
import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { LIMITS, queryCost } from '../../src/graphql/limits.js';
import { gatewaySchema as getSchema } from '../../src/plugins/resolvers.js';

const leaves = (t: GraphQLObjectType) =>
  Object.values(t.getFields())
    .filter((f) => {
      const n = getNamedType(f.type);
      return (isScalarType(n) || isEnumType(n)) && f.args.every((a) => !isNonNullType(a.type));
    })
    .map((f) => f.name);

/** A value for a required argument (its type is all the test knows). */
function valueFor(type: GraphQLNamedType): string {
  if (isEnumType(type)) return type.getValues()[0]?.name ?? '';
  if (isInputObjectType(type)) return '{}';
  if (type.name === 'Int' || type.name === 'Float') return '1';
  if (type.name === 'Boolean') return 'true';
  return '"00000000-0000-4000-8000-000000000000"';
}

function callOf(f: GraphQLField<unknown, unknown>): string {
  const args = f.args.map((a) =>
    a.name === 'first' ? 'first: 100' : isNonNullType(a.type) ? `${a.name}: ${valueFor(getNamedType(a.type))}` : '',
  );
  const given = args.filter(Boolean);
  return given.length ? `${f.name}(${given.join(', ')})` : f.name;
}

function pageSelection(connection: GraphQLObjectType): string {
  const fields = connection.getFields();
  const edge = getNamedType(fields.edges?.type) as GraphQLObjectType;
  const node = getNamedType(edge.getFields().node?.type) as GraphQLObjectType;
  const pageInfo = getNamedType(fields.pageInfo?.type) as GraphQLObjectType;
  const extra = leaves(connection).join(' ');
  return `{ ${extra} edges { cursor node { ${leaves(node).join(' ')} } } pageInfo { ${leaves(pageInfo).join(' ')} } }`;
}

/** Every place a connection can be asked for: root fields, and fields of objects a root field returns. */
function connectionQueries(schema: GraphQLSchema): { name: string; query: string }[] {
  const out: { name: string; query: string }[] = [];
  const isConnection = (f: GraphQLField<unknown, unknown>) => {
    const t = getNamedType(f.type);
    return isObjectType(t) && t.name.endsWith('Connection') && 'edges' in t.getFields();
  };
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    for (const f of Object.values(root?.getFields() ?? {})) {
      if (isConnection(f)) {
        out.push({
          name: `${root?.name}.${f.name}`,
          query: `${kind} { ${callOf(f)} ${pageSelection(getNamedType(f.type) as GraphQLObjectType)} }`,
        });
        continue;
      }
      const inner = getNamedType(f.type);
      if (!isObjectType(inner)) continue;
      for (const g of Object.values(inner.getFields()).filter(isConnection)) {
        out.push({
          name: `${inner.name}.${g.name} (via ${root?.name}.${f.name})`,
          query: `${kind} { ${callOf(f)} { ${callOf(g)} ${pageSelection(getNamedType(g.type) as GraphQLObjectType)} } }`,
        });
      }
    }
  }
  return out;
}

describe('every connection page of 100 fits the cost budget', () => {
  it('finds the connections of the schema', async () => {
    const names = connectionQueries(await getSchema()).map((c) => c.name);
    // The walk is what is tested below; these are here so a broken walk cannot pass by finding none.
    expect(names).toEqual(
      expect.arrayContaining([
        'Query.securityEvents',
        'Query.executionsConnection',
        'Query.publicTasksConnection',
        'Query.webhookDeliveries',
      ]),
    );
  });

  it('each one, first: 100, every scalar field', async () => {
    const schema = await getSchema();
    const over = connectionQueries(schema)
      .map((c) => ({ ...c, cost: queryCost(schema, parse(c.query)) }))
      .filter((c) => c.cost > LIMITS.maxCost);
    expect(over).toEqual([]);
  });
});
