// One GraphQL error envelope: a catalog error refused at the HTTP edge of /graphql (before
// Apollo) and the same error thrown by a resolver reach the client with the same message
// and extensions.
import { describe, expect, it } from 'vitest';
import { Errors } from '../../src/errors.js';
import { createFormatError } from '../../src/graphql/format-error.js';
import { createLogger } from '../../src/lib/logger.js';
import { startApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';

const issues = () =>
  Errors.validation([
    { type: 'missing', loc: ['body', 'search_query'], msg: 'Field required' },
    { type: 'string_too_long', loc: ['body', 'notifications', 0, 'url'], msg: 'String too long' },
  ]);

describe('the GraphQL error envelope', () => {
  it('is the same from a resolver and from the HTTP edge, validation issues included', async () => {
    const fromResolver = createFormatError(createLogger('silent'))({ message: 'x' }, issues());

    const tdb = await createTestDatabase();
    const t = await startApp(tdb, {
      beforeReady: (app) =>
        app.post('/graphql/refused', async () => {
          throw issues();
        }),
    });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/graphql/refused', payload: {} });
      expect(res.statusCode).toBe(422);
      const [fromEdge] = res.json().errors;
      expect(fromEdge).toEqual(fromResolver);
      expect(fromEdge).toEqual({
        message: 'search_query: Field required; notifications.0.url: String too long',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    } finally {
      await t.close();
      await tdb.drop();
    }
  });
});
