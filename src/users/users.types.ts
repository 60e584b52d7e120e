import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import type { UserRow } from '../db/types.js';

@ObjectType('User')
export class UserType {
  @Field(() => ID) id!: string;
  @Field(() => String) clerkUserId!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) firstName!: string | null;
  @Field(() => String, { nullable: true }) username!: string | null;
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => Boolean) hasSeenWelcome!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType('SyncUserResult')
export class SyncUserResultType {
  @Field(() => UserType) user!: UserType;
  @Field(() => Boolean) created!: boolean;
}

export const toUserType = (u: UserRow): UserType => ({
  id: u.id,
  clerkUserId: u.clerk_user_id,
  email: u.email,
  firstName: u.first_name,
  username: u.username,
  isActive: u.is_active,
  hasSeenWelcome: u.has_seen_welcome,
  createdAt: u.created_at,
});
