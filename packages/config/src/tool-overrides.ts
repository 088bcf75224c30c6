/** The `tools:` section in precedence order, and what one tool gets from it for one middleware. */
import type { ToolInfo } from '@mcp-middleware/core';
import { isConfigError } from './create-one.js';
import type { ConfigProblem } from './errors.js';
import { deepMerge } from './merge.js';
import { byPrecedence, parseToolKey, type ToolKey } from './tool-keys.js';
import type { ToolOverrides } from './validate.js';

/** One `tools:` key with its settings. */
export interface Override {
  readonly key: ToolKey;
  readonly settings: ToolOverrides;
}

/**
 * Parses every key of `tools` and sorts them least specific first (ties keep the file's order). A key that
 * is not a selector becomes a problem; loadConfig refuses those already, a config built by hand may not.
 */
export function sortedOverrides(
  tools: Readonly<Record<string, ToolOverrides>>,
  problems: ConfigProblem[],
): Override[] {
  const overrides: Override[] = [];
  for (const [text, settings] of Object.entries(tools)) {
    try {
      overrides.push({ key: parseToolKey(text), settings });
    } catch (error) {
      if (!isConfigError(error)) throw error;
      problems.push({ path: error.path, message: error.message });
    }
  }
  return overrides.sort((a, b) => byPrecedence(a.key, b.key));
}

/**
 * Finds the overrides that apply to a tool, least specific first. Keys that name tools exactly are looked
 * up by name rather than tried one by one, so 40 000 tool keys cost one lookup per tool, not 40 000 tests.
 */
export class OverrideIndex {
  readonly #scanned: { readonly override: Override; readonly order: number }[] = [];
  readonly #named = new Map<string, { readonly override: Override; readonly order: number }[]>();

  /** `overrides` comes sorted (see {@link sortedOverrides}). */
  constructor(overrides: readonly Override[]) {
    for (const [order, override] of overrides.entries()) {
      const names = override.key.names;
      if (names === undefined) {
        this.#scanned.push({ override, order });
        continue;
      }
      for (const name of new Set(names)) {
        const list = this.#named.get(name);
        if (list === undefined) this.#named.set(name, [{ override, order }]);
        else list.push({ override, order });
      }
    }
  }

  /** The overrides whose keys select `tool`, least specific first. */
  matching(tool: ToolInfo): Override[] {
    const hits = this.#scanned.filter(({ override }) => override.key.matches(tool));
    const named = this.#named.get(tool.name);
    if (named !== undefined) {
      for (const hit of named) if (hit.override.key.matches(tool)) hits.push(hit);
      hits.sort((a, b) => a.order - b.order);
    }
    return hits.map((hit) => hit.override);
  }
}

/** What one tool resolves to for one middleware: options, or `false` for off, and which keys applied. */
export interface Resolved {
  /** The applied keys joined; tools with the same key share one instance. */
  readonly key: string;
  readonly options: Record<string, unknown> | false;
}

/** `base` merged with every matching key's settings for middleware `name`, least specific first. */
export function resolveFor(
  tool: ToolInfo,
  name: string,
  base: Readonly<Record<string, unknown>>,
  index: OverrideIndex,
): Resolved {
  let options = { ...base } as Record<string, unknown> | false;
  const applied: string[] = [];
  for (const { key, settings } of index.matching(tool)) {
    const setting = settings[name];
    if (setting === undefined) continue;
    applied.push(key.key);
    options =
      setting === false
        ? false
        : (deepMerge(options === false ? base : options, setting) as Record<string, unknown>);
  }
  return { key: applied.join('\u0000'), options };
}
