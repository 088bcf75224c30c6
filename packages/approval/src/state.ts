/** The requestState of an approval round (2026-07-28): bound by HMAC to tool, args, principal and expiry. */
import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What an approval state binds. */
export interface ApprovalBinding {
  readonly tool: string;
  /** SHA-256 of the args' canonical JSON ({@link argsDigest}). */
  readonly args: string;
  /** The principal key (`principalIdOf`), or '' for an anonymous caller. */
  readonly principal: string;
}

/** A state this server issued, as read back. */
export interface IssuedState extends ApprovalBinding {
  readonly expiresAt: number;
  readonly nonce: string;
}

/** Longest requestState accepted; longer text is refused before any parsing. */
export const MAX_STATE_CHARS = 2048;

// Sorted keys at every depth, so a client that re-serialises its args in another order still matches.
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedCopy(v)]));
}

/** The digest of a call's args that an approval is bound to. */
export function argsDigest(args: unknown): string {
  return hash('sha256', JSON.stringify(sortedCopy(args ?? null)), 'base64url');
}

/** Signs and checks approval states with one server secret. */
export class StateSigner {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest();
  }

  /** Issues a state for `binding`, valid until `expiresAt`. */
  issue(binding: ApprovalBinding, expiresAt: number): string {
    const payload = {
      t: binding.tool,
      a: binding.args,
      p: binding.principal,
      e: expiresAt,
      n: randomBytes(12).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /** The state's content when this signer issued it (untampered); undefined otherwise. Never throws. */
  read(state: unknown): IssuedState | undefined {
    if (typeof state !== 'string' || state.length > MAX_STATE_CHARS) return undefined;
    const dot = state.indexOf('.');
    if (dot <= 0) return undefined;
    const body = state.slice(0, dot);
    const given = Buffer.from(state.slice(dot + 1), 'base64url');
    const expected = this.#mac(body);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const p = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
      if (
        typeof p.t !== 'string' ||
        typeof p.a !== 'string' ||
        typeof p.p !== 'string' ||
        typeof p.e !== 'number' ||
        typeof p.n !== 'string'
      ) {
        return undefined;
      }
      return { tool: p.t, args: p.a, principal: p.p, expiresAt: p.e, nonce: p.n };
    } catch {
      return undefined;
    }
  }
}

/** Nonces of states already used, kept until they expire, so one approval runs one call. */
export class UsedNonces {
  readonly #used = new Map<string, number>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** Marks `nonce` used; false when it already was. */
  use(nonce: string, expiresAt: number, now: number): boolean {
    if (this.#used.has(nonce)) return false;
    // Drop expired ones from the oldest end (insertion order is roughly expiry order: one ttl for all).
    for (const [old, at] of this.#used) {
      if (at > now && this.#used.size < this.#max) break;
      this.#used.delete(old);
    }
    this.#used.set(nonce, expiresAt);
    return true;
  }
}
