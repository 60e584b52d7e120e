import { Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../graphql/access.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { UsersService } from './users.service.js';
import { SyncUserResultType, toUserType, UserType } from './users.types.js';

@Resolver()
export class UsersResolver {
  constructor(private readonly services: { users: UsersService }) {}

  @Access.authenticated()
  @Query(() => UserType, { description: 'The signed-in user.' })
  me(@Ctx() ctx: GraphQLContext): UserType {
    return toUserType(this.services.users.me(ctx.viewer));
  }

  @Access.scopes(['account:write'])
  @Mutation(() => SyncUserResultType, { description: 'Create or refresh the user from the Clerk identity.' })
  async syncUser(@Ctx() ctx: GraphQLContext): Promise<SyncUserResultType> {
    const { user, created } = await this.services.users.sync(ctx.viewer);
    return { user: toUserType(user), created };
  }

  @Access.scopes(['account:write'])
  @Mutation(() => Boolean)
  async markWelcomeSeen(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    await this.services.users.markWelcomeSeen(ctx.viewer);
    return true;
  }
}
