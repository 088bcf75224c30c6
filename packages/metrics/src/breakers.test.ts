import { describe, expect, it } from 'vitest';
import { BreakerBoard } from './breakers.js';
import type { Series } from './series.js';

// The board only keys by a series' identity, so a bare object stands in for one.
const search = {} as Series;
const fetchTool = {} as Series;

describe('BreakerBoard', () => {
  it('counts open and half-open breakers per series', () => {
    const board = new BreakerBoard();
    board.update('a', search, 'open');
    board.update('b', search, 'half-open');
    board.update('c', fetchTool, 'open');
    board.update('d', undefined, 'open');
    expect(board.counts()).toEqual(
      new Map([
        [search, { open: 1, 'half-open': 1 }],
        [fetchTool, { open: 1, 'half-open': 0 }],
        [undefined, { open: 1, 'half-open': 0 }],
      ]),
    );
  });

  it('moves a known breaker to its new state without counting it twice', () => {
    const board = new BreakerBoard();
    board.update('a', search, 'open');
    board.update('a', search, 'half-open');
    expect(board.counts().get(search)).toEqual({ open: 0, 'half-open': 1 });
  });

  it('forgets a closed breaker but keeps its series, at zero', () => {
    const board = new BreakerBoard();
    board.update('a', search, 'open');
    board.update('a', search, 'closed');
    expect(board.counts()).toEqual(new Map([[search, { open: 0, 'half-open': 0 }]]));
  });

  it('tracks at most 10 000 breakers, so unbounded keys cannot grow memory', () => {
    const board = new BreakerBoard();
    for (let i = 0; i < 10_001; i++) board.update(`principal-${i}`, search, 'open');
    expect(board.counts().get(search)).toEqual({ open: 10_000, 'half-open': 0 });
  });
});
