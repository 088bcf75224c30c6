// Every TypeScript snippet in a README must stand verbatim in a file CI type-checks, so docs cannot rot.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const sources = ['packages', 'examples', 'test', 'bench'].flatMap((d) => walk(join(root, d)));
const corpus = sources.map((file) => readFileSync(file, 'utf8')).join('\n');
const readmes = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'README.md')),
].filter((file) => {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
});

describe('README snippets', () => {
  for (const readme of readmes) {
    const blocks = [...readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
      (m[1] ?? '').trim(),
    );
    for (const [index, block] of blocks.entries()) {
      it(`${relative(root, readme)} snippet ${index + 1} stands verbatim in a type-checked file`, () => {
        expect(corpus.includes(block), `not found in any .ts file:\n${block.split('\n')[0] ?? ''}`).toBe(
          true,
        );
      });
    }
  }
});
