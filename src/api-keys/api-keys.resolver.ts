import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { SCOPES } from '../auth/viewer.js';
import { Access } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import { ListSize } from '../graphql/directives.js';
import { validate } from '../lib/validation.js';
import { CreateApiKeyBody, RotateApiKeyBody } from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';
import { ApiKeyType, CreatedApiKeyType, toApiKeyType } from './api-keys.types.js';

const originOf = (ctx: GraphQLContext) => ({ ip: ctx.address, userAgent: ctx.userAgent });

@Resolver()
export class ApiKeysResolver {
  constructor(private readonly services: { apiKeys: ApiKeysService }) {}

  @ListSize({ assumedSize: 10 })
  @Access.scopes(['keys:read'], ['keys:write'])
  @Query(() => [ApiKeyType], { description: 'Your API keys, revoked ones included, newest first.' })
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyType[]> {
    return (await this.services.apiKeys.list(ctx.viewer)).map(toApiKeyType);
  }

  @Access.scopes(['keys:write'])
  @Mutation(() => CreatedApiKeyType, { description: 'Requires the developer role. One active key per user.' })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('expiresInDays', () => Int, { nullable: true, description: '1–366; none = never expires.' })
    expiresInDays: number | null | undefined,
    @Arg('scopes', () => [String], {
      nullable: true,
      description: `Some of: ${SCOPES.join(', ')}. Default: every scope.`,
    })
    scopes: string[] | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedApiKeyType> {
    const input = validate(
      CreateApiKeyBody,
      { name, ...(expiresInDays != null && { expires_in_days: expiresInDays }), ...(scopes != null && { scopes }) },
      'body',
    );
    const { key, keyInfo } = await this.services.apiKeys.create(ctx.viewer, input, originOf(ctx));
    return { key, keyInfo: toApiKeyType(keyInfo) };
  }

  @Access.scopes(['keys:write'])
  @Mutation(() => CreatedApiKeyType, {
    description: 'A new key (shown once); the old one keeps working for gracePeriodSeconds (default 86400).',
  })
  async rotateApiKey(
    @Arg('id', () => ID) id: string,
    @Arg('gracePeriodSeconds', () => Int, { nullable: true }) gracePeriodSeconds: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedApiKeyType> {
    const input = validate(
      RotateApiKeyBody,
      gracePeriodSeconds != null ? { grace_period_seconds: gracePeriodSeconds } : {},
      'body',
    );
    const { key, keyInfo } = await this.services.apiKeys.rotate(ctx.viewer, id, input, originOf(ctx));
    return { key, keyInfo: toApiKeyType(keyInfo) };
  }

  @Access.scopes(['keys:write'])
  @Mutation(() => ApiKeyType, { description: 'Revokes the key at once, on every instance.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyType> {
    return toApiKeyType(await this.services.apiKeys.revoke(ctx.viewer, id, originOf(ctx)));
  }
}
