// Who may call a root field, declared once on it: `@Access.public()`, `@Access.authenticated()`,
// `@Access.scopes(['tasks:read'], …)` (any one of the lists, all scopes of it) or
// `@Access.publicButKeysNeed(…)`, `@Access.admin()` (a Clerk session of an admin: writes
// `@authenticated @policy(policies: [["admin"]])`, Apollo Router's policy directive). The one
// decorator writes `@authenticated` / `@requiresScopes(scopes: [[…]])` into the SDL (as Apollo
// Router, Hive and Grafbase read them), keeps the declaration on the field for the schema walk
// (test/graphql/access-directives.test.ts), and refuses a caller before the resolver runs. The
// services check the same rules for REST (auth/viewer.ts requireUser / requireScope); the walk
// holds both to the declaration. Only API keys carry scopes: sessions and the dev user have all.
import {
  DirectiveLocation,
  GraphQLDirective,
  type GraphQLField,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
} from 'graphql';
import { Directive, Extensions, type MiddlewareFn, UseMiddleware } from 'type-graphql';
import type { Scope, Viewer } from '../auth/viewer.js';
import { Errors } from '../errors.js';
import type { GraphQLContext } from './context.js';

export const authenticatedDirective = new GraphQLDirective({
  name: 'authenticated',
  description: 'Needs credentials: a Clerk session or an API key (401 UNAUTHENTICATED without).',
  locations: [DirectiveLocation.FIELD_DEFINITION],
});

export const requiresScopesDirective = new GraphQLDirective({
  name: 'requiresScopes',
  description:
    'An API key needs every scope of one of the lists (else 403 FORBIDDEN with extensions.requiredScope); sessions have every scope. Without @authenticated beside it, callers without credentials are let in too.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    scopes: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))))),
    },
  },
});

export const policyDirective = new GraphQLDirective({
  name: 'policy',
  description:
    'Needs a policy the gateway decides: "admin" = a Clerk session whose user has public_metadata.role "admin" (else 403 FORBIDDEN "Admin access required"); API keys never qualify.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    policies: {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(GraphQLString))))),
    },
  },
});

/**
 * `authenticated`: credentials needed. `anyOf`: an API key must hold every scope of one of the
 * lists (sessions have all); with `authenticated: false`, anonymous callers may still call it.
 */
export interface AccessRule {
  authenticated: boolean;
  anyOf?: Scope[][];
  /**
   * Admins only: a Clerk session (refused here otherwise); the field's service then checks the
   * session's role (admin/admin.service.ts requireAdmin, which REST shares).
   */
  admin?: boolean;
}

const EXTENSION = 'toraleAccess';

/** Throws the contract's 401/403 when `viewer` may not call a field declared `rule`. */
export function checkAccess(rule: AccessRule, viewer: Viewer): void {
  if (viewer.kind === 'anonymous') {
    if (rule.authenticated) throw Errors.authorizationMissing();
    return;
  }
  if (rule.admin && viewer.kind !== 'clerk') throw Errors.adminRequired();
  if (!rule.anyOf || viewer.kind !== 'api-key') return;
  if (rule.anyOf.some((all) => all.every((s) => viewer.scopes.includes(s)))) return;
  throw Errors.missingScope(rule.anyOf[0]?.find((s) => !viewer.scopes.includes(s)) ?? 'unknown');
}

const scopesSdl = (anyOf: Scope[][]) =>
  `@requiresScopes(scopes: [${anyOf.map((all) => `[${all.map((s) => JSON.stringify(s)).join(', ')}]`).join(', ')}])`;

function declare(rule: AccessRule): MethodDecorator {
  const guard: MiddlewareFn<GraphQLContext> = ({ context }, next) => {
    checkAccess(rule, context.viewer);
    return next();
  };
  const sdl = [
    ...(rule.authenticated ? ['@authenticated'] : []),
    ...(rule.anyOf ? [scopesSdl(rule.anyOf)] : []),
    ...(rule.admin ? ['@policy(policies: [["admin"]])'] : []),
  ];
  const decorators = [Extensions({ [EXTENSION]: rule }), UseMiddleware(guard), ...sdl.map((d) => Directive(d))];
  return (target, key, descriptor) => {
    for (const d of decorators) (d as MethodDecorator)(target, key, descriptor);
  };
}

export const Access = {
  /** Anyone, credentials or not. */
  public: () => declare({ authenticated: false }),
  /** Anyone; but an API key must hold the scopes (a public task read with a key needs tasks:read). */
  publicButKeysNeed: (...anyOf: Scope[][]) => declare({ authenticated: false, anyOf }),
  /** Any caller with credentials. */
  authenticated: () => declare({ authenticated: true }),
  /** Credentials, and an API key holding every scope of one of `anyOf`. */
  scopes: (...anyOf: Scope[][]) => declare({ authenticated: true, anyOf }),
  /** A Clerk session of an admin; API keys (any scopes) and the dev user get 403. */
  admin: () => declare({ authenticated: true, admin: true }),
};

/** The access a field declares, if any. */
export function accessOf(field: GraphQLField<unknown, unknown>): AccessRule | undefined {
  return field.extensions?.[EXTENSION] as AccessRule | undefined;
}
