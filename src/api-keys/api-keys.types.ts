import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import type { ApiKeyRow } from '../db/types.js';

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => String, { description: 'First 15 characters of the key followed by "...".' }) keyPrefix!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Boolean) isActive!: boolean;
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyType {
  @Field(() => String, { description: 'The full key. Shown once; store it now.' }) key!: string;
  @Field(() => ApiKeyType) keyInfo!: ApiKeyType;
}

export const toApiKeyType = (k: ApiKeyRow): ApiKeyType => ({
  id: k.id,
  userId: k.user_id,
  keyPrefix: k.key_prefix,
  name: k.name,
  createdAt: k.created_at,
  lastUsedAt: k.last_used_at,
  isActive: k.is_active,
});
