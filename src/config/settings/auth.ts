// Clerk sessions, API keys, the dev user, leaked-key alerts. One entry per setting (see ../settings.ts).
import { bool, int, list, pemPublicKey, str, url } from '../kinds.js';

export const auth = {
  clerkSecretKey: str('CLERK_SECRET_KEY', 'Clerk Backend API key: JWKS fetch and user look-ups', {
    example: 'sk_test_...',
  }),
  clerkApiUrl: url('CLERK_API_URL', 'Clerk Backend API base URL', {
    protocols: ['https:', 'http:'],
    default: 'https://api.clerk.com',
  }),
  clerkJwtKey: pemPublicKey(
    'CLERK_JWT_KEY',
    'PEM public key for network-less JWT verification (`\\n` escapes allowed)',
    { example: '"-----BEGIN PUBLIC KEY-----\\n...\\n-----END PUBLIC KEY-----"' },
  ),
  clerkAuthorizedParties: list('CLERK_AUTHORIZED_PARTIES', 'comma-separated allowed `azp` origins', {
    example: 'http://localhost:3000,https://torale.ai',
  }),
  clerkWebhookSigningSecret: str(
    'CLERK_WEBHOOK_SIGNING_SECRET',
    "Svix secret (`whsec_…`) of Clerk's user webhooks; unset = `/webhooks/clerk` answers 503",
  ),
  noAuth: bool(
    'TORALE_NOAUTH',
    '`1` = requests without credentials act as the dev user; refused unless `HOST` is loopback and `NODE_ENV` is not `production`. Only requests naming a loopback `Host` get the dev user, and state-changing ones from a foreign `Origin` (not loopback, not in `CORS_ORIGINS`) are refused (403)',
  ),
  noAuthEmail: str('TORALE_NOAUTH_EMAIL', "the dev user's email", { default: 'test@example.com' }),
  apiKeyBcryptCost: int('API_KEY_BCRYPT_COST', 'bcrypt cost for new API keys', { min: 4, max: 15, default: 10 }),
  secretScanningAnswerWithinMs: int(
    'SECRET_SCANNING_ANSWER_WITHIN_MS',
    'a secret-scanning alert is answered by then with the tokens decided; the rest are checked and revoked in the background',
    { min: 10, max: 60_000, default: 5000 },
  ),
  secretScanningKeysUrl: url(
    'SECRET_SCANNING_KEYS_URL',
    "GitHub's public keys for secret-scanning alerts (cached an hour; fetched again, at most once a minute, for an unknown key id)",
    { protocols: ['https:', 'http:'], default: 'https://api.github.com/meta/public_keys/secret_scanning' },
  ),
};
