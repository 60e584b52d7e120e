// `Authorization: Bearer sk_…` — an API key, checked by the verifier (format, one indexed
// query, cached bcrypt). A malformed header that names a key is still a key's error.
import { Errors } from '../../errors.js';
import type { ApiKeyVerifier } from '../api-key-verifier.js';
import type { AuthStrategy } from '../authenticator.js';

export function apiKeyStrategy(verifier: ApiKeyVerifier): AuthStrategy {
  return {
    name: 'api-key',
    async authenticate({ header, bearer, address, headers }) {
      if (bearer?.startsWith('sk_')) {
        const ua = headers['user-agent'];
        const { apiKeyId, user, scopes, expiresAt, replaced } = await verifier.verify(bearer, address, ua);
        return { kind: 'api-key', clerkUserId: user.clerk_user_id, apiKeyId, user, scopes, expiresAt, replaced };
      }
      if (header !== undefined && bearer === undefined && /^\s*bearer sk_/i.test(header)) throw Errors.invalidApiKey();
      return undefined;
    },
  };
}
