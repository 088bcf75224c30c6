// Every TypeScript snippet in a README must stand in a file CI type-checks, so docs cannot rot: its lines,
// trimmed of indentation, appear in that file in the same order (imports may sit apart from the code).
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

const files = ['packages', 'examples', 'test', 'bench']
  .flatMap((d) => walk(join(root, d)))
  .map((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim()),
  );

function standsIn(lines: readonly string[], snippet: readonly string[]): boolean {
  let at = 0;
  for (const line of snippet) {
    at = lines.indexOf(line, at);
    if (at === -1) return false;
    at++;
  }
  return true;
}

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
    const blocks = [...readFileSync(readme, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    for (const [index, block] of blocks.entries()) {
      it(`${relative(root, readme)} snippet ${index + 1} stands in a type-checked file`, () => {
        const snippet = block
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '');
        const found = files.some((lines) => standsIn(lines, snippet));
        expect(found, `not found in order in any .ts file:\n${snippet[0] ?? ''}`).toBe(true);
      });
    }
  }
});
