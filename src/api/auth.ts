import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SentinelError } from '../errors.js';

export { SCOPES, type Scope } from '../config/schema.js';
import type { Scope } from '../config/schema.js';

export interface ApiToken {
  name: string;
  token: string;
  scopes: readonly string[];
}

export interface Principal {
  name: string;
  scopes: ReadonlySet<string>;
}

interface StoredToken {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<string>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests with timingSafeEqual, and
 * every configured token is compared on every request, so neither the token's length nor which
 * token matched shows in the response time. Token values are kept only as digests here.
 */
export class TokenAuthenticator {
  private readonly tokens: StoredToken[];

  constructor(tokens: readonly ApiToken[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, digest: digest(t.token), scopes: new Set(t.scopes) }));
  }

  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  authenticate(header: string | undefined): Principal | null {
    if (!header) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return null;
    const presented = digest(match[1]!);
    let found: StoredToken | null = null;
    for (const t of this.tokens) {
      if (timingSafeEqual(t.digest, presented) && found === null) found = t;
    }
    return found ? { name: found.name, scopes: found.scopes } : null;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const LOCAL: Principal = { name: 'local', scopes: new Set(['admin']) };

/**
 * An onRequest hook that requires a scope, checked before the body is read so an unauthenticated
 * client cannot make the server parse anything. With no tokens configured the server only listens on loopback
 * (enforced at start) and every local caller is trusted as `local`.
 */
export function requireScope(auth: TokenAuthenticator, scope: Scope) {
  return async function checkScope(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!auth.enabled) {
      request.principal = LOCAL;
      return;
    }
    const principal = auth.authenticate(request.headers.authorization);
    if (!principal) throw new SentinelError('unauthorized');
    if (!principal.scopes.has(scope) && !principal.scopes.has('admin')) {
      throw new SentinelError('forbidden', `this endpoint needs the ${scope} scope`);
    }
    request.principal = principal;
  };
}
