/** The secret scan: every captured output of a suite, searched for every credential the suite used. */

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
