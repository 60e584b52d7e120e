// The user's default webhook (dashboard settings): its config and the test ping. Shared
// by REST, OpenAPI and GraphQL.
import { type Static, Type } from '@sinclair/typebox';
import { NullableString } from '../http/schemas.js';
import { NO_NUL_PATTERN } from '../lib/validation.js';
import { TASK_LIMITS } from '../tasks/tasks.schemas.js';

const URL_RULES = {
  minLength: 1,
  maxLength: TASK_LIMITS.webhookUrlLength,
  pattern: NO_NUL_PATTERN,
  // Torale's HttpUrl: "not a url" is pydantic's 422 url_parsing; the target rules (https, no
  // private address) are the service's 400 after that.
  format: 'http-url',
  'x-trim': true,
} as const;
const Url = Type.String(URL_RULES);

export const WebhookConfigBody = Type.Object(
  {
    // Nullable as pydantic's `HttpUrl | None`: one error for a bad string, not one per branch.
    webhook_url: Type.Optional(
      Type.Unsafe<string | null>({
        ...URL_RULES,
        type: ['string', 'null'],
        description: 'https URL; null or absent clears the default webhook (and its secret).',
      }),
    ),
    enabled: Type.Optional(Type.Boolean({ default: false, description: 'Whether new tasks get it. Default false.' })),
  },
  { additionalProperties: false },
);
export type WebhookConfigBody = Static<typeof WebhookConfigBody>;

export const WebhookConfigSchema = Type.Object({
  url: NullableString,
  secret: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    description:
      'The full signing secret only in the response that created it; otherwise a masked hint (`whsec_abcd…wxyz`).',
  }),
  enabled: Type.Boolean(),
});

export const WebhookTestBody = Type.Object(
  {
    webhook_url: Url,
    webhook_secret: Type.String({
      maxLength: 200,
      pattern: NO_NUL_PATTERN,
      description: 'Signs the ping, unless webhook_url is your saved default URL: then its stored secret does.',
    }),
  },
  { additionalProperties: false },
);
export type WebhookTestBody = Static<typeof WebhookTestBody>;

export const WebhookTestResultSchema = Type.Object({ success: Type.Boolean(), message: Type.String() });
