// The package READMEs quote bench/results.json through generated blocks: a README whose cost rows differ
// from results.json (a new run not carried over, a hand edit) fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { END, README_CASES, START, readmePath, staleReadmes } from '../bench/src/readme-costs.js';

describe('README cost rows', () => {
  it('match bench/results.json in every package README that quotes it', async () => {
    expect(await staleReadmes()).toEqual([]);
  });

  it('hold no hand-written µs figure between the generated markers and the next heading', () => {
    for (const pkg of Object.keys(README_CASES)) {
      const text = readFileSync(readmePath(pkg), 'utf8');
      const after = text.slice(text.indexOf(START));
      const section = after.slice(after.indexOf(END) + END.length).split(/^## /m)[0] ?? '';
      expect(section, pkg).not.toMatch(/\d\s*µs/);
    }
  });
});
