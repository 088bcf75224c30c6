/** The store contract behind `idempotency()`: memory by default, Redis to share keys across replicas. */
import type { CallToolResult } from '@mcp-middleware/core';

/** What a store holds under one key: a claim while the first call runs, then its result. */
export interface IdempotencyRecord {
  /** The fingerprint (tool and canonical args) of the call that claimed the key. */
  readonly fingerprint: string;
  /** The claim's owner, unique per run; lets only that run complete or release it. */
  readonly owner: string;
  /** When the call was claimed or completed, in ms of the claiming call's clock. */
  readonly at: number;
  /** The stored result once the call completed; undefined while it runs. */
  readonly result?: CallToolResult | undefined;
}

/**
 * Where keys live. Methods may answer synchronously (memory: no await on a replay) or with a promise.
 * A store that throws or rejects is an outage: see `onStoreError`.
 */
export interface IdempotencyStore {
  /** A short name for warnings, e.g. `memory` or `redis`. */
  readonly name: string;
  /**
   * Claims `key` for `claim` atomically, kept `ttlMs`: answers undefined when the claim was taken, else
   * the record already there (a run in progress or a result), which stays unchanged.
   */
  claim(
    key: string,
    claim: IdempotencyRecord,
    ttlMs: number,
  ): IdempotencyRecord | undefined | Promise<IdempotencyRecord | undefined>;
  /** The record under `key`, if any. */
  get(key: string): IdempotencyRecord | undefined | Promise<IdempotencyRecord | undefined>;
  /** Replaces `owner`'s claim with its result (`json` is the result's JSON), kept `ttlMs`. */
  complete(key: string, owner: string, record: CompletedRecord, ttlMs: number): void | Promise<void>;
  /** Drops `owner`'s claim (the call failed and is not stored), so the key can run again. */
  release(key: string, owner: string): void | Promise<void>;
}

/** What the middleware asks a store to keep once the call completed. */
export interface CompletedRecord {
  readonly fingerprint: string;
  readonly at: number;
  /** `JSON.stringify(result)`: stores keep this text or a copy parsed from it, never the handler's object. */
  readonly json: string;
}

/** The JSON form both built-in stores keep: `{"f":fingerprint,"o":owner,"t":at,"r":result?}`. */
export function encodeRecord(owner: string, fingerprint: string, at: number, json?: string): string {
  const head = `{"f":${JSON.stringify(fingerprint)},"o":${JSON.stringify(owner)},"t":${at}`;
  return json === undefined ? `${head}}` : `${head},"r":${json}}`;
}

/** Reads {@link encodeRecord}'s form; undefined for text this version cannot read (a miss, not a failure). */
export function decodeRecord(text: string): IdempotencyRecord | undefined {
  let parsed: { f?: unknown; o?: unknown; t?: unknown; r?: unknown } | null;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return undefined;
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof parsed.f !== 'string' ||
    typeof parsed.o !== 'string' ||
    typeof parsed.t !== 'number' ||
    (parsed.r !== undefined && (typeof parsed.r !== 'object' || parsed.r === null))
  ) {
    return undefined;
  }
  return {
    fingerprint: parsed.f,
    owner: parsed.o,
    at: parsed.t,
    ...(parsed.r !== undefined && { result: parsed.r as CallToolResult }),
  };
}
