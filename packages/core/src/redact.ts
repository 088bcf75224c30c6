/**
 * The one redaction, its rules: which keys name a credential, and the patterns that find credentials in
 * text. Error texts, log lines and span attributes all go through it (values through `redact-value.ts`),
 * so a secret spelling that one sink hides, every sink hides. Work is bounded by the output, not the input.
 */

/** What replaces a redacted secret. */
export const REDACTED = '[redacted]';

// Compared with the key lowercased, without `-`, `_`, `.`, spaces and leading dashes.
const SECRET_PARTS = [
  'authorization',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'apikey',
  'cookie',
  'credential',
  'privatekey',
  'accesskey',
  'signature',
];
// Whole keys that name a credential in an object, but are also prose or shell words in text (`auth: …`,
// `pwd: /home`): in text they count only before `=`.
const SECRET_EXACT = new Set(['auth', 'bearer', 'jwt', 'pwd', 'sig', 'pat']);

function normalise(key: string): string {
  return (key.length > 256 ? key.slice(0, 256) : key).toLowerCase().replace(/[-_.\s]/g, '');
}

function isSecretName(k: string): boolean {
  if (k.endsWith('token')) return true;
  for (const part of SECRET_PARTS) if (k.includes(part)) return true;
  return false;
}

/**
 * True for a key that names a credential: authorization, tokens (`access_token`, `refreshToken`; not
 * `max_tokens`), passwords, secrets, API keys, cookies, private keys, signatures. Any case, any of
 * camelCase, snake_case, kebab-case or UPPER_CASE, dotted paths included (`db.password`).
 */
export function isSecretKey(key: string): boolean {
  const k = normalise(key);
  return SECRET_EXACT.has(k) || isSecretName(k);
}

function isSecretTextKey(key: string, separator: string): boolean {
  const k = normalise(key);
  return isSecretName(k) || (SECRET_EXACT.has(k) && separator.includes('='));
}

// One scan finds every candidate; the named group that matched says which rule applies. Order matters
// where two rules match at one position: the specific shapes come before the generic `key: value`.
const SCHEMES = 'bearer|basic|token|digest|dpop|negotiate|apikey';
const SCAN = new RegExp(
  [
    String.raw`(?<pem>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))`,
    String.raw`(?<![a-z0-9+.-])(?<url>[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>\\]+@`,
    String.raw`(?<jwt>eyJ[\w-]{8,}(?:\.[\w-]*){0,2})`,
    String.raw`(?<known>\b(?:(?:sk|pk|rk)_(?:live|test)_[0-9a-z]{8,}|sk-[\w-]{20,}|gh[pousr]_[0-9a-z]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16}|AIza[\w-]{30,}))`,
    String.raw`(?<scheme>\b(?:${SCHEMES})[ \t]+)(?<credential>[\w\-.~+/]+=*)(?![\w\-.~+/=])`,
    String.raw`(?<![\w.$@-])(?:(?<q>\\?["'\x60])(?<qkey>[^"'\x60\\\n]{1,256})\k<q>|(?<key>[a-z_$@][\w.$@-]*))(?<sep>[ \t]*(?:=>|:=|[:=])[ \t]*)`,
    String.raw`(?<![\w.$@-])(?<flag>--?[a-z][\w.-]*)(?<fsep>[ \t]*=[ \t]*|[ \t]+)`,
  ].join('|'),
  'gi',
);
// The value after a secret key: quoted (JSON-escaped too, possibly cut) or a run up to a separator.
const VALUE = new RegExp(
  String.raw`(?<scheme>(?:${SCHEMES})[ \t]+)?(?:(?<dq>")(?:[^"\\\n]|\\.)*"?|(?<sq>')[^'\n]*'?|(?<eq>\\")(?:[^"\\]|\\[^"])*(?:\\")?|[^\s"'\x60,;&]+)`,
  'iy',
);
const LINE = /[^\r\n]*/y;
const AUTH_PARAMETER = /^[A-Za-z_]+=$/;
// A scheme followed by a plain word, a short number or punctuation is prose ("send a bearer token."),
// not a credential.
const PLAIN_WORD = /^(?:[A-Za-z][a-z]{0,23}|[A-Z]{1,5}|\d{1,5})\.?$|^[^A-Za-z0-9]*$/;
// How far past the output limit the scan reads, so a secret cut by that limit is still recognised.
const LOOKAHEAD = 2048;

function redactedValue(text: string, at: number, key: string): { text: string; end: number } | undefined {
  const cookie = key.toLowerCase().includes('cookie') && !`"'\\`.includes(text[at] ?? '"');
  const pattern = cookie ? LINE : VALUE;
  pattern.lastIndex = at;
  const match = pattern.exec(text);
  if (match === null || match[0] === '') return undefined;
  const groups = match.groups ?? {};
  const quote = groups.dq ?? groups.sq ?? groups.eq ?? '';
  return { text: `${groups.scheme ?? ''}${quote}${REDACTED}${quote}`, end: at + match[0].length };
}

/**
 * `text` with credentials replaced by `[redacted]`, at most `maxLength` characters (then `…`): bearer,
 * basic and token schemes, JWTs, well-known token prefixes, PEM private keys, URL userinfo, and the value
 * after any secret key (`password=`, `"accessToken":"…"`, `DB_PASSWORD=`, `Authorization: Basic …`,
 * `--token …`). Redacts before it cuts, and reads at most `maxLength` + 2 KiB of the input.
 */
export function redactText(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const windowEnd = Math.min(text.length, maxLength + LOOKAHEAD);
  const source = windowEnd < text.length ? text.slice(0, windowEnd) : text;
  // Plain text from the last LOOKAHEAD characters of a cut input may be the start of a secret: not emitted.
  const emitEnd = windowEnd < text.length ? windowEnd - LOOKAHEAD : windowEnd;
  let out = '';
  let from = 0;
  SCAN.lastIndex = 0;
  for (let match = SCAN.exec(source); match !== null && out.length <= maxLength; match = SCAN.exec(source)) {
    if (match.index >= emitEnd) break;
    const g = match.groups ?? {};
    let replacement: string | undefined;
    let end = match.index + match[0].length;
    if (g.pem !== undefined || g.jwt !== undefined || g.known !== undefined) replacement = REDACTED;
    else if (g.url !== undefined) replacement = `${g.url}${REDACTED}@`;
    else if (g.scheme !== undefined) {
      const credential = g.credential ?? '';
      // `Bearer realm="mcp"` is a challenge's parameter, not a credential.
      const parameter = AUTH_PARAMETER.test(credential) && source[end] === '"';
      if (!parameter && !PLAIN_WORD.test(credential)) replacement = `${g.scheme}${REDACTED}`;
    } else {
      const key = g.qkey ?? g.key ?? g.flag ?? '';
      const separator = g.sep ?? g.fsep ?? '';
      // `secret://keys` is a URI whose scheme is a secret word, not a key and its value.
      const uri = separator === ':' && source.startsWith('//', end);
      const value = !uri && isSecretTextKey(key, separator) ? redactedValue(source, end, key) : undefined;
      if (value !== undefined) {
        replacement = `${match[0]}${value.text}`;
        end = value.end;
      }
    }
    if (replacement === undefined) {
      // Not a secret here; scan again from the next character, so nothing inside the match is skipped.
      SCAN.lastIndex = match.index + 1;
      continue;
    }
    out += source.slice(from, match.index) + replacement;
    from = end;
    SCAN.lastIndex = end;
  }
  if (out.length <= maxLength && from < emitEnd) out += source.slice(from, emitEnd);
  const cut = out.length > maxLength || emitEnd < text.length;
  return cut ? `${out.slice(0, maxLength)}…` : out;
}
