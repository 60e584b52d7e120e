// Relay connection pieces shared by every paged list (CONTRACT.md "Cursor pagination").
import { Field, ObjectType } from 'type-graphql';
import { CacheControl } from './directives.js';

@CacheControl({ inheritMaxAge: true })
@ObjectType('PageInfo')
export class PageInfoType {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}
