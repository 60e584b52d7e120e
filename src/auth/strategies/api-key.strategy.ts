// `Authorization: Bearer sk_…` — an API key, checked by the verifier (format, one indexed
// query, cached bcrypt). A malformed header that names a key is still a key's error.
import { Errors } from '../../errors.js';
import type { ApiKeyVerifier } from '../api-key-verifier.js';
import type { AuthStrategy } from '../authenticator.js';

export function apiKeyStrategy(verifier: ApiKeyVerifier): AuthStrategy {
  return {
    name: 'api-key',
    async authenticate({ header, bearer, address }) {
      if (bearer?.startsWith('sk_')) {
        const { apiKeyId, user } = await verifier.verify(bearer, address);
        return { kind: 'api-key', clerkUserId: user.clerk_user_id, apiKeyId, user };
      }
      if (header !== undefined && bearer === undefined && /^\s*bearer sk_/i.test(header)) throw Errors.invalidApiKey();
      return undefined;
    },
  };
}
