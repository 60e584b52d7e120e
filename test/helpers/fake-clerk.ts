// A small stand-in for Clerk's Backend API on loopback: /v1/jwks, /v1/users?user_id=, /v1/users/:id and PATCH /v1/users/:id/metadata, with
// tokens signed by a key pair made here. The real @clerk/backend talks to it through
// CLERK_API_URL; the networkless path uses the same key as CLERK_JWT_KEY.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface FakeUser {
  id: string;
  email: string | null;
  firstName?: string | null;
  role?: string | null;
}

export interface FakeClerk {
  url: string;
  secretKey: string;
  /** PEM public key, for CLERK_JWT_KEY. */
  jwtKey: string;
  kid: string;
  requests: { jwks: number; users: number; userLists: number; userIds: string[]; metadataUpdates: string[] };
  users: Map<string, FakeUser>;
  /** When true every endpoint answers 503, as an outage would. */
  down: boolean;
  addUser(user: FakeUser): void;
  token(sub: string, opts?: TokenOptions): Promise<string>;
  /** A token signed by a different key with the same kid. */
  foreignToken(sub: string, opts?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TokenOptions {
  expiresInSeconds?: number;
  notBeforeSeconds?: number;
  azp?: string | null;
  claims?: JWTPayload;
  kid?: string;
}

export async function startFakeClerk(): Promise<FakeClerk> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const kid = `ins_test_${Math.random().toString(36).slice(2, 10)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const secretKey = 'sk_test_fakeclerksecret';

  const state = {
    down: false,
    requests: { jwks: 0, users: 0, userLists: 0, userIds: [] as string[], metadataUpdates: [] as string[] },
    users: new Map<string, FakeUser>(),
  };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return send(401, { errors: [{ code: 'authentication_invalid', message: 'bad secret' }] });
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v1/jwks') {
      state.requests.jwks++;
      if (fake.down) return send(503, { errors: [{ code: 'unavailable', message: 'down' }] });
      return send(200, { keys: [jwk] });
    }
    if (url.pathname === '/v1/users') {
      // The user list, filtered by user_id (what users.getUserList({ userId }) sends).
      state.requests.userLists++;
      if (fake.down) return send(503, { errors: [{ code: 'unavailable', message: 'down' }] });
      const ids = url.searchParams.getAll('user_id');
      const found = ids.map((id) => state.users.get(id)).filter((u): u is FakeUser => u !== undefined);
      return send(200, found.map(userJson)); // Clerk answers the list as a bare array
    }
    if (url.pathname === '/v1/users/count') {
      // users.getUserList asks for the count beside the list.
      if (fake.down) return send(503, { errors: [{ code: 'unavailable', message: 'down' }] });
      const ids = url.searchParams.getAll('user_id');
      return send(200, { object: 'total_count', total_count: ids.filter((id) => state.users.has(id)).length });
    }
    const meta = /^\/v1\/users\/([^/]+)\/metadata$/.exec(url.pathname);
    if (meta && req.method === 'PATCH') {
      // users.updateUserMetadata: Clerk merges public_metadata into what is there; null removes a key.
      const id = decodeURIComponent(meta[1] as string);
      state.requests.metadataUpdates.push(id);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (fake.down) return send(503, { errors: [{ code: 'unavailable', message: 'down' }] });
        const u = state.users.get(id);
        if (!u) return send(404, { errors: [{ code: 'resource_not_found', message: 'not found' }] });
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
          public_metadata?: { role?: string | null };
        };
        if (body.public_metadata && 'role' in body.public_metadata) u.role = body.public_metadata.role ?? null;
        send(200, userJson(u));
      });
      return;
    }
    const m = /^\/v1\/users\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const id = decodeURIComponent(m[1] as string);
      state.requests.users++;
      state.requests.userIds.push(id);
      if (fake.down) return send(503, { errors: [{ code: 'unavailable', message: 'down' }] });
      const u = state.users.get(id);
      if (!u) return send(404, { errors: [{ code: 'resource_not_found', message: 'not found' }] });
      return send(200, userJson(u));
    }
    return send(404, { errors: [{ code: 'resource_not_found', message: 'no route' }] });
  });
  const userJson = (u: FakeUser) => {
    const emailId = `idn_${u.id}`;
    return {
      object: 'user',
      id: u.id,
      username: null,
      first_name: u.firstName ?? null,
      last_name: null,
      primary_email_address_id: u.email ? emailId : null,
      email_addresses: u.email
        ? [{ id: emailId, object: 'email_address', email_address: u.email, verification: null, linked_to: [] }]
        : [],
      phone_numbers: [],
      web3_wallets: [],
      external_accounts: [],
      public_metadata: u.role ? { role: u.role } : {},
      private_metadata: {},
      unsafe_metadata: {},
      created_at: Date.now(),
      updated_at: Date.now(),
    };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const sign = async (key: CryptoKey, sub: string, opts: TokenOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = { sid: `sess_${sub}`, ...opts.claims };
    if (opts.azp !== null) payload.azp = opts.azp ?? 'http://localhost:3000';
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? kid, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer('https://clerk.test.example')
      .setIssuedAt(now - 5)
      .setNotBefore(now + (opts.notBeforeSeconds ?? -5))
      .setExpirationTime(now + (opts.expiresInSeconds ?? 60))
      .sign(key);
  };

  const fake: FakeClerk = {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    jwtKey: await exportSPKI(publicKey),
    kid,
    requests: state.requests,
    users: state.users,
    down: false,
    addUser: (u) => state.users.set(u.id, u),
    token: (sub, opts) => sign(privateKey, sub, opts),
    foreignToken: (sub, opts) => sign(other.privateKey, sub, opts),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return fake;
}
