import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { validate } from '../lib/validation.js';
import { CreateApiKeyBody } from './api-keys.schemas.js';
import { ApiKeyType, CreatedApiKeyType, toApiKeyType } from './api-keys.types.js';

@Resolver()
export class ApiKeysResolver {
  @Query(() => [ApiKeyType], { description: 'Your API keys, revoked ones included, newest first.' })
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyType[]> {
    return (await ctx.services.apiKeys.list(ctx.viewer)).map(toApiKeyType);
  }

  @Mutation(() => CreatedApiKeyType, { description: 'Requires the developer role. One active key per user.' })
  async createApiKey(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<CreatedApiKeyType> {
    const { key, keyInfo } = await ctx.services.apiKeys.create(
      ctx.viewer,
      validate(CreateApiKeyBody, { name }, 'body'),
    );
    return { key, keyInfo: toApiKeyType(keyInfo) };
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes the key at once, on every instance.' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyType> {
    return toApiKeyType(await ctx.services.apiKeys.revoke(ctx.viewer, id));
  }
}
