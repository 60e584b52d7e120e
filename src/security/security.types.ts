// GraphQL types of the security log (a Relay connection).
import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import type { SecurityEventRow } from '../db/types.js';
import { PageInfoType } from '../graphql/relay.js';

@ObjectType('SecurityEvent')
export class SecurityEventType {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'api_key.created, api_key.rotated, …, user.disabled, user.enabled' })
  type!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => String, { nullable: true }) ip!: string | null;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => ID, { nullable: true }) apiKeyId!: string | null;
  @Field(() => String, { nullable: true }) keyPrefix!: string | null;
  @Field(() => String, { nullable: true }) detail!: string | null;
}

@ObjectType('SecurityEventEdge')
export class SecurityEventEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => SecurityEventType) node!: SecurityEventType;
}

@ObjectType('SecurityEventConnection')
export class SecurityEventConnectionType {
  @Field(() => [SecurityEventEdgeType]) edges!: SecurityEventEdgeType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

export const toSecurityEventType = (e: SecurityEventRow): SecurityEventType => ({
  id: e.id,
  type: e.type,
  createdAt: e.created_at,
  ip: e.ip,
  userAgent: e.user_agent,
  apiKeyId: e.api_key_id,
  keyPrefix: e.key_prefix,
  detail: e.detail,
});
