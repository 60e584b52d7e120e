import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { SCOPES } from '../auth/viewer.js';
import type { ApiKeyRow } from '../db/types.js';
import { ListSize } from '../graphql/directives.js';
import { isUsable, revokedAtOf } from './api-keys.json.js';

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => String, { description: 'First 15 characters of the key followed by "...".' }) keyPrefix!: string;
  @Field(() => String) name!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Boolean, { description: 'Usable now: not revoked, not expired.' }) isActive!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the key stops working; null = never.' })
  expiresAt!: Date | null;
  @ListSize({ assumedSize: SCOPES.length })
  @Field(() => [String], {
    // From the one list of scopes (auth/viewer.ts), so the SDL cannot fall behind it.
    description: `What the key may do, some of: ${SCOPES.join(', ')}. README "Scopes" maps operations to scopes.`,
  })
  scopes!: string[];
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => ID, { nullable: true, description: 'Set on the old key of a rotation.' })
  replacedByKeyId!: string | null;
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
  isActive: isUsable(k),
  expiresAt: k.expires_at,
  scopes: k.scopes,
  revokedAt: revokedAtOf(k),
  replacedByKeyId: k.replaced_by_key_id,
});
