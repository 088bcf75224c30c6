/**
 * A JSON syntax check that says where the first mistake is. JSON.parse on Node 20 names no position for
 * many mistakes (a trailing comma among them), and a config file's reader needs the line and column.
 */

/** The first syntax mistake: its offset in the text and what is wrong there. */
export interface JsonMistake {
  readonly offset: number;
  readonly message: string;
}

const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON strings hold no raw control character (U+0000 to U+001F).
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Mistake extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Undefined when `text` is one well-formed JSON value; else the first mistake. */
export function findJsonMistake(text: string, maxDepth = 1000): JsonMistake | undefined {
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const what = (): string => (at >= text.length ? 'the end of the file' : `"${text[at]}"`);
  const expect = (char: string, wanted: string): void => {
    space();
    if (text[at] !== char) throw new Mistake(at, `expected ${wanted}, found ${what()}`);
    at++;
  };
  const match = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) return false;
    at = pattern.lastIndex;
    return true;
  };
  const value = (depth: number): void => {
    space();
    if (depth > maxDepth) throw new Mistake(at, `nested more than ${maxDepth} levels deep`);
    const char = text[at];
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      at++;
      space();
      if (text[at] === close) return void at++;
      for (;;) {
        if (close === '}') {
          space();
          if (text[at] !== '"' || !match(STRING))
            throw new Mistake(at, `expected a "quoted" key, found ${what()}`);
          expect(':', '":"');
        }
        value(depth + 1);
        space();
        if (text[at] === close) return void at++;
        if (text[at] !== ',') throw new Mistake(at, `expected "," or "${close}", found ${what()}`);
        const comma = at++;
        space();
        if (text[at] === close) throw new Mistake(comma, 'a trailing comma (JSON allows none)');
      }
    }
    if (char === '"') {
      if (!match(STRING))
        throw new Mistake(at, 'a string that is not closed, or holds a raw control character');
      return;
    }
    if (match(NUMBER)) return;
    const word = LITERALS.find((literal) => text.startsWith(literal, at));
    if (word !== undefined) return void (at += word.length);
    throw new Mistake(at, `expected a value, found ${what()}`);
  };
  try {
    value(0);
    space();
    if (at < text.length) throw new Mistake(at, `expected the end of the file, found ${what()}`);
    return undefined;
  } catch (error) {
    if (error instanceof Mistake) return { offset: error.offset, message: error.message };
    throw error;
  }
}
