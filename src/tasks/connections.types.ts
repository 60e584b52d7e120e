// Relay connections of tasks and executions (CONTRACT.md "Cursor pagination").
import { Field, ObjectType } from 'type-graphql';
import { CacheControl } from '../graphql/directives.js';
import { PageInfoType } from '../graphql/relay.js';
import { ExecutionType, TaskType } from './tasks.types.js';

@CacheControl({ inheritMaxAge: true })
@ObjectType('TaskEdge')
export class TaskEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => TaskType) node!: TaskType;
}

@CacheControl({ inheritMaxAge: true })
@ObjectType('TaskConnection')
export class TaskConnectionType {
  @Field(() => [TaskEdgeType]) edges!: TaskEdgeType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}

@ObjectType('ExecutionEdge')
export class ExecutionEdgeType {
  @Field(() => String) cursor!: string;
  @Field(() => ExecutionType) node!: ExecutionType;
}

@ObjectType('ExecutionConnection')
export class ExecutionConnectionType {
  @Field(() => [ExecutionEdgeType]) edges!: ExecutionEdgeType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;
}
