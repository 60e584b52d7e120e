// GraphQL types of the user's default webhook.
import { Field, ObjectType } from 'type-graphql';

@ObjectType('WebhookConfig', {
  description: 'Your default webhook: the target of tasks created without notifications.',
})
export class WebhookConfigType {
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'The full signing secret only in the response that created it; otherwise a masked hint.',
  })
  secret!: string | null;
  @Field(() => Boolean) enabled!: boolean;
}

@ObjectType('WebhookTestResult')
export class WebhookTestResultType {
  @Field(() => Boolean) success!: boolean;
  @Field(() => String) message!: string;
}
