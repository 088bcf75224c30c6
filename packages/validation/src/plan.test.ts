// Planner on its own: one plan per tool, schemas compiled once, a schema that cannot compile refuses the tool.
import type { ToolInfo } from '@mcp-middleware/core';
import { createTestContext } from '@mcp-middleware/core/testing';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from './options.js';
import { Planner } from './plan.js';

const schema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

describe('Planner', () => {
  it('builds a tool plan once and reuses it for the same ToolInfo', () => {
    const planner = new Planner(resolveOptions({}));
    const tool: ToolInfo = { name: 'search', inputSchema: schema };
    const first = planner.of(tool, createTestContext({ tool }));
    expect(planner.of(tool, createTestContext({ tool }))).toBe(first);
    expect(first.inputs).toHaveLength(1);
    expect(first.ownInput).toBe(true);
    expect(first.checksOutput).toBe(false);
  });

  it('compiles an equal tool schema once across ToolInfo objects', () => {
    const planner = new Planner(resolveOptions({}));
    const a = planner.of({ name: 'search', inputSchema: schema }, createTestContext());
    const b = planner.of({ name: 'search', inputSchema: structuredClone(schema) }, createTestContext());
    expect(b).not.toBe(a);
    expect(b.inputs[0]).toBe(a.inputs[0]);
  });

  it('marks a tool whose JSON Schema cannot compile as broken, with a warning', () => {
    const planner = new Planner(resolveOptions({}));
    const ctx = createTestContext();
    const plan = planner.of({ name: 'bad', inputSchema: { type: 'no-such-type' } }, ctx);
    expect(plan.broken?.code).toBe('INTERNAL');
    expect(ctx.events.map((e) => e.type)).toEqual(['warning']);
  });

  it('checks results when maxResultBytes is set, even without an output schema', () => {
    const plan = new Planner(resolveOptions({ maxResultBytes: 1000 })).of({ name: 't' }, createTestContext());
    expect(plan.checksOutput).toBe(true);
  });
});
