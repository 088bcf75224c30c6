/**
 * The secret scan (every captured output of a suite, searched for every credential the suite used), the
 * corpus of secret spellings the redaction must catch, and the hostile arguments every copy must bound.
 */
import { randomBytes } from 'node:crypto';

/** Where a secret was found: which output, and a short excerpt around it (the secret itself masked). */
export interface Leak {
  readonly source: string;
  readonly excerpt: string;
}

/** Searches each `outputs[source]` text for each secret (skipping ones shorter than 8 characters). */
export function scanForSecrets(
  outputs: Readonly<Record<string, readonly string[]>>,
  secrets: readonly string[],
): Leak[] {
  const leaks: Leak[] = [];
  const needles = secrets.filter((s) => s.length >= 8);
  for (const [source, texts] of Object.entries(outputs)) {
    for (const text of texts) {
      for (const secret of needles) {
        const at = text.indexOf(secret);
        if (at === -1) continue;
        const excerpt = `${text.slice(Math.max(0, at - 40), at)}<SECRET>${text.slice(at + secret.length, at + secret.length + 40)}`;
        leaks.push({ source, excerpt });
      }
    }
  }
  return leaks;
}

/** How many texts were scanned, for the report. */
export function scannedCount(outputs: Readonly<Record<string, readonly string[]>>): number {
  return Object.values(outputs).reduce((n, texts) => n + texts.length, 0);
}

/** One way a secret can be written: in text (`text`) and as a value (`value`), with the secret itself. */
export interface SecretSpelling {
  readonly kind: string;
  readonly secret: string;
  readonly text: string;
  readonly value: Readonly<Record<string, unknown>>;
}

const KEY_WORDS: readonly (readonly string[])[] = [
  ['password'],
  ['passwd'],
  ['db', 'password'],
  ['client', 'secret'],
  ['secret', 'access', 'key'],
  ['access', 'token'],
  ['refresh', 'token'],
  ['id', 'token'],
  ['session', 'token'],
  ['api', 'key'],
  ['x', 'api', 'key'],
  ['private', 'key'],
  ['cookie'],
  ['set', 'cookie'],
  ['authorization'],
  ['proxy', 'authorization'],
  ['credentials'],
  ['token'],
];

const cap = (word: string): string => `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`;

/** camelCase, PascalCase, snake_case, kebab-case, UPPER_SNAKE and Title-Kebab spellings of a key. */
export function keySpellings(words: readonly string[]): string[] {
  const [first = '', ...rest] = words;
  return [
    first + rest.map(cap).join(''),
    words.map(cap).join(''),
    words.join('_'),
    words.join('-'),
    words.join('_').toUpperCase(),
    words.map(cap).join('-'),
  ];
}

/** A fresh secret: token68 characters, never a plain word, unique enough to search for. */
export function freshSecret(tag: string): string {
  return `${tag}${randomBytes(12).toString('base64url')}9`;
}

function fakeJwt(): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: randomBytes(6).toString('hex'), iat: 1 })}.${randomBytes(24).toString('base64url')}`;
}

/**
 * Every spelling the redaction must catch: each secret key in six spellings × separators (`=`, `:`,
 * ` = `, `: `, `:=`), JSON and quoted keys, JSON-escaped JSON, CLI flags and query strings; Bearer,
 * Basic and token schemes in any case; URL userinfo; JWTs; well-known token prefixes; a PEM key.
 */
export function secretCorpus(): SecretSpelling[] {
  const corpus: SecretSpelling[] = [];
  const add = (kind: string, secret: string, text: string, value: Record<string, unknown>): void => {
    corpus.push({ kind, secret, text: `request failed (${text}) at step 3`, value });
  };
  for (const words of KEY_WORDS) {
    for (const key of keySpellings(words)) {
      const forms: [string, (s: string) => string][] = [
        ['key=value', (s) => `${key}=${s}`],
        ['key: value', (s) => `${key}: ${s}`],
        ['key = value', (s) => `${key} = ${s}`],
        ['key:value', (s) => `${key}:${s}`],
        ['key := value', (s) => `${key} := ${s}`],
        ['JSON', (s) => JSON.stringify({ user: 'app', [key]: s })],
        ['quoted', (s) => `'${key}': '${s}'`],
        ['JSON in a string', (s) => JSON.stringify(JSON.stringify({ [key]: s })).slice(1, -1)],
        ['CLI flag', (s) => `--${key} ${s}`],
        ['query string', (s) => `https://api.example.com/v1?${key}=${s}&page=2`],
      ];
      for (const [form, write] of forms) {
        const secret = freshSecret('k');
        add(`${form} (${key})`, secret, write(secret), { query: 'q', nested: { list: [{ [key]: secret }] } });
      }
    }
  }
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'Basic', 'basic', 'Token', 'token', 'DPoP']) {
    const secret =
      scheme.toLowerCase() === 'basic'
        ? Buffer.from(`app:${freshSecret('b')}`).toString('base64')
        : freshSecret('t');
    add(`${scheme} scheme`, secret, `${scheme} ${secret} is expired`, { note: `${scheme} ${secret}` });
    add(`Authorization: ${scheme}`, secret, `Authorization: ${scheme} ${secret}`, {
      headers: { note: `authorization: ${scheme} ${secret}` },
    });
  }
  for (const url of [
    (s: string) => `postgres://app:${s}@db.internal:5432/app`,
    (s: string) => `https://${s}@github.com/org/repo.git`,
    (s: string) => `redis://:${s}@cache:6379/0`,
    (s: string) => `mongodb+srv://user:${s}@cluster0.example.net/db`,
  ]) {
    const secret = freshSecret('u');
    add(`URL userinfo ${url('x').split(':')[0] ?? ''}`, secret, `connect ${url(secret)} refused`, {
      dsn: url(secret),
    });
  }
  for (let i = 0; i < 5; i++) {
    const jwt = fakeJwt();
    add('JWT', jwt, `token ${jwt} rejected`, { data: [jwt], jwt: { raw: jwt } });
  }
  const prefixed = [
    `sk_live_${randomBytes(12).toString('hex')}`,
    `ghp_${randomBytes(18).toString('hex')}`,
    `xoxb-${randomBytes(10).toString('hex')}`,
    `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
    `glpat-${randomBytes(12).toString('hex')}`,
  ];
  for (const secret of prefixed)
    add(`prefix ${secret.slice(0, 4)}`, secret, `used ${secret}`, { note: secret });
  const pem = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END PRIVATE KEY-----`;
  add('PEM private key', pem.split('\n')[1] ?? '', pem, { pem });
  return corpus;
}

/**
 * The parts of `secret` found in `text`: any run of 8 of its characters (all of it when shorter), so a
 * secret cut in half is found as well as a whole one.
 */
export function survivingParts(text: string, secret: string): string[] {
  const width = Math.min(8, secret.length);
  const found: string[] = [];
  for (let at = 0; at + width <= secret.length; at++) {
    const part = secret.slice(at, at + width);
    if (text.includes(part)) found.push(part);
  }
  return found;
}

/**
 * The spellings whose secret (or any 8 characters of it) appears in `output`, found in one pass over
 * the output (a window table, not a search per secret), as `kind: part`.
 */
export function findLeaks(output: string, spellings: readonly SecretSpelling[]): string[] {
  const windows = new Map<string, SecretSpelling>();
  for (const spelling of spellings) {
    const width = Math.min(8, spelling.secret.length);
    for (let at = 0; at + width <= spelling.secret.length; at++) {
      windows.set(spelling.secret.slice(at, at + width), spelling);
    }
  }
  const widths = [...new Set(spellings.map((s) => Math.min(8, s.secret.length)))];
  const found = new Set<string>();
  for (const width of widths) {
    for (let at = 0; at + width <= output.length; at++) {
      const part = output.slice(at, at + width);
      const spelling = windows.get(part);
      if (spelling !== undefined) found.add(`${spelling.kind}: ${part}`);
    }
  }
  return [...found];
}

/** Hostile arguments, by name: each one is huge in one dimension. */
export function hostileArgs(): [string, Record<string, unknown>][] {
  const wide: Record<string, string> = {};
  for (let i = 0; i < 300_000; i++) wide[`key${i}`] = `value ${i}`;
  let deep: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  let deepList: unknown[] = ['x'];
  for (let i = 0; i < 10_000; i++) deepList = [deepList];
  const text = 'é'.repeat(5_000);
  const nested = (depth: number): Record<string, unknown> =>
    depth === 0
      ? { text }
      : Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${i}`, nested(depth - 1)]));
  return [
    ['300 000 keys', wide],
    ['10 000-deep object', deep],
    ['10 000-deep array', { list: deepList }],
    ['1 000 000 items', { items: Array.from({ length: 1_000_000 }, (_, i) => i) }],
    ['10 MB string', { blob: 'x'.repeat(10 * 1024 * 1024) }],
    ['1 MB key', { ['k'.repeat(1024 * 1024)]: 'v' }],
    ['40 × 40 × 40 objects of 5 000 characters', nested(3)],
    [
      'control characters (6 bytes each in JSON)',
      { text: '\u0001'.repeat(100_000), list: Array(200).fill('\u0000'.repeat(1000)) },
    ],
  ];
}
