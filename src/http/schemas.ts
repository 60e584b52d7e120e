// JSON schemas shared by REST routes: responses (fast serialisation, OpenAPI) and the
// error bodies of the contract.
export const detailSchema = {
  type: 'object',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
} as const;

export const validationErrorSchema = {
  type: 'object',
  properties: {
    detail: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string' },
          loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          msg: { type: 'string' },
        },
      },
    },
  },
} as const;

export const nullableString = { type: ['string', 'null'] } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

/** Error responses every authenticated route can give. */
export const authErrors = {
  401: detailSchema,
  403: detailSchema,
  503: detailSchema,
} as const;

export const uuidParam = {
  type: 'object',
  properties: { id: { type: 'string' } },
  required: ['id'],
} as const;
