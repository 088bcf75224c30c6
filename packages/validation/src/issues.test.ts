import { isMiddlewareError } from '@mcp-middleware/core';
import { describe, expect, it } from 'vitest';
import {
  MISSING,
  describeReceived,
  formatPath,
  invalidArguments,
  outputInvalid,
  valueAt,
  type ValidationIssue,
} from './issues.js';

describe('formatPath', () => {
  it('writes identifiers with dots and indexes in brackets', () => {
    expect(formatPath(['items', 2, 'name'])).toBe('items[2].name');
  });

  it('quotes keys that are not identifiers and shortens very long ones', () => {
    expect(formatPath(['a key', 'x'])).toBe('["a key"].x');
    expect(formatPath(['k'.repeat(100)])).toBe(`${'k'.repeat(64)}…`);
  });

  it('names the value itself (root)', () => {
    expect(formatPath([])).toBe('(root)');
  });
});

describe('valueAt', () => {
  it('follows own properties only', () => {
    expect(valueAt({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(valueAt({}, ['constructor'])).toBe(MISSING);
    expect(valueAt({ a: 1 }, ['a', 'b'])).toBe(MISSING);
  });
});

describe('describeReceived', () => {
  it('gives the kind and size of a value, never the value', () => {
    expect(describeReceived('hunter2')).toBe('a string of 7 characters');
    expect(describeReceived(4242)).toBe('an integer');
    expect(describeReceived(1.5)).toBe('a number with a fraction');
    expect(describeReceived([1, 2])).toBe('an array of 2 items');
    expect(describeReceived({ token: 'abc' })).toBe('an object');
    expect(describeReceived(null)).toBe('null');
    expect(describeReceived(MISSING)).toBe('nothing (missing)');
  });
});

describe('invalidArguments', () => {
  const issues: ValidationIssue[] = [
    { path: 'to', message: 'required, but missing (expected string)' },
    { path: 'amount', message: 'expected number, received a string of 3 characters' },
  ];

  it('lists every failing path in a message a model can act on', () => {
    const error = invalidArguments('transfer', issues);
    expect(isMiddlewareError(error, 'INVALID_ARGUMENTS')).toBe(true);
    expect(error.message).toBe(
      'Invalid arguments for tool `transfer`:\n' +
        '- to: required, but missing (expected string)\n' +
        '- amount: expected number, received a string of 3 characters\n' +
        'Fix these and call `transfer` again.',
    );
  });

  it('puts the same list in data.issues', () => {
    expect(invalidArguments('transfer', issues).data).toEqual({ issues });
  });

  it('lists ten problems and counts the rest', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ path: `f${i}`, message: 'expected string' }));
    const error = invalidArguments('t', many);
    expect(error.message).toContain('- f9: expected string\n- …and 20 more');
    expect(error.data).toMatchObject({ omitted: 5 });
    expect((error.data?.issues as unknown[]).length).toBe(25);
  });

  it('drops repeated problems', () => {
    const error = invalidArguments('t', [issues[0]!, issues[0]!]);
    expect(error.data?.issues).toEqual([issues[0]]);
  });

  it('is not retryable', () => {
    expect(invalidArguments('t', issues).retryable).toBe(false);
  });
});

describe('outputInvalid', () => {
  it('locates problems under structuredContent and says the tool is at fault', () => {
    const error = outputInvalid('report', [
      { path: '(root)', message: 'expected object, received an array of 0 items' },
      { path: 'total', message: 'expected number, received a string of 1 character' },
      { path: '[0]', message: 'expected string' },
    ]);
    expect(isMiddlewareError(error, 'OUTPUT_INVALID')).toBe(true);
    expect(error.message).toContain('- structuredContent: expected object');
    expect(error.message).toContain('- structuredContent.total: expected number');
    expect(error.message).toContain('- structuredContent[0]: expected string');
    expect(error.message).toContain('not in the arguments');
  });
});
