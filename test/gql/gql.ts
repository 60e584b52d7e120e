/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Me {\n  me {\n    id\n    clerkUserId\n    email\n    firstName\n    username\n    isActive\n    hasSeenWelcome\n    createdAt\n  }\n}\n\nquery MeShort {\n  me {\n    id\n    email\n  }\n}\n\nmutation SyncUser {\n  syncUser {\n    created\n    user {\n      id\n      clerkUserId\n      email\n      firstName\n      isActive\n      hasSeenWelcome\n      createdAt\n    }\n  }\n}\n\nmutation MarkWelcomeSeen {\n  markWelcomeSeen\n}\n\nquery ApiKeys {\n  apiKeys {\n    id\n    userId\n    keyPrefix\n    name\n    createdAt\n    lastUsedAt\n    isActive\n  }\n}\n\nmutation CreateApiKey($name: String!) {\n  createApiKey(name: $name) {\n    key\n    keyInfo {\n      id\n      userId\n      keyPrefix\n      name\n      createdAt\n      lastUsedAt\n      isActive\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    id\n    isActive\n  }\n}": typeof types.MeDocument,
};
const documents: Documents = {
    "query Me {\n  me {\n    id\n    clerkUserId\n    email\n    firstName\n    username\n    isActive\n    hasSeenWelcome\n    createdAt\n  }\n}\n\nquery MeShort {\n  me {\n    id\n    email\n  }\n}\n\nmutation SyncUser {\n  syncUser {\n    created\n    user {\n      id\n      clerkUserId\n      email\n      firstName\n      isActive\n      hasSeenWelcome\n      createdAt\n    }\n  }\n}\n\nmutation MarkWelcomeSeen {\n  markWelcomeSeen\n}\n\nquery ApiKeys {\n  apiKeys {\n    id\n    userId\n    keyPrefix\n    name\n    createdAt\n    lastUsedAt\n    isActive\n  }\n}\n\nmutation CreateApiKey($name: String!) {\n  createApiKey(name: $name) {\n    key\n    keyInfo {\n      id\n      userId\n      keyPrefix\n      name\n      createdAt\n      lastUsedAt\n      isActive\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    id\n    isActive\n  }\n}": types.MeDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    clerkUserId\n    email\n    firstName\n    username\n    isActive\n    hasSeenWelcome\n    createdAt\n  }\n}\n\nquery MeShort {\n  me {\n    id\n    email\n  }\n}\n\nmutation SyncUser {\n  syncUser {\n    created\n    user {\n      id\n      clerkUserId\n      email\n      firstName\n      isActive\n      hasSeenWelcome\n      createdAt\n    }\n  }\n}\n\nmutation MarkWelcomeSeen {\n  markWelcomeSeen\n}\n\nquery ApiKeys {\n  apiKeys {\n    id\n    userId\n    keyPrefix\n    name\n    createdAt\n    lastUsedAt\n    isActive\n  }\n}\n\nmutation CreateApiKey($name: String!) {\n  createApiKey(name: $name) {\n    key\n    keyInfo {\n      id\n      userId\n      keyPrefix\n      name\n      createdAt\n      lastUsedAt\n      isActive\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    id\n    isActive\n  }\n}"): (typeof documents)["query Me {\n  me {\n    id\n    clerkUserId\n    email\n    firstName\n    username\n    isActive\n    hasSeenWelcome\n    createdAt\n  }\n}\n\nquery MeShort {\n  me {\n    id\n    email\n  }\n}\n\nmutation SyncUser {\n  syncUser {\n    created\n    user {\n      id\n      clerkUserId\n      email\n      firstName\n      isActive\n      hasSeenWelcome\n      createdAt\n    }\n  }\n}\n\nmutation MarkWelcomeSeen {\n  markWelcomeSeen\n}\n\nquery ApiKeys {\n  apiKeys {\n    id\n    userId\n    keyPrefix\n    name\n    createdAt\n    lastUsedAt\n    isActive\n  }\n}\n\nmutation CreateApiKey($name: String!) {\n  createApiKey(name: $name) {\n    key\n    keyInfo {\n      id\n      userId\n      keyPrefix\n      name\n      createdAt\n      lastUsedAt\n      isActive\n    }\n  }\n}\n\nmutation RevokeApiKey($id: ID!) {\n  revokeApiKey(id: $id) {\n    id\n    isActive\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;