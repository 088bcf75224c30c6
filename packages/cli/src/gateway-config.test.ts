// The config the gateway reads: the built-ins, and `exporter:` under `tracing` (gateway only). README blocks
// fenced ```yaml gateway are gateway configs: they load here, not with the config package's registry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigFileError, configJsonSchema, loadConfig } from '@mcp-middleware/config';
import { exporterOptionsOf, gatewayRegistry } from './gateway-config.js';

const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string): ReturnType<typeof loadConfig> {
  const file = join(dir, 'gw.yaml');
  writeFileSync(file, yaml);
  return loadConfig(file, { registry: gatewayRegistry, env: {} });
}

const GATEWAY_BLOCKS = [
  ...readFileSync(new URL('../README.md', import.meta.url), 'utf8').matchAll(
    /^```yaml gateway\n([\s\S]*?)^```/gm,
  ),
].map((match) => match[1] as string);

describe('the gateway config registry', () => {
  it('loads the README gateway configs and reads their exporter', () => {
    expect(GATEWAY_BLOCKS.length).toBeGreaterThan(0);
    for (const block of GATEWAY_BLOCKS) {
      expect(exporterOptionsOf(load(block).pipeline)).toMatchObject({ protocol: 'http/json' });
    }
  });

  it('gives {} for a tracing entry without exporter, and undefined without tracing', () => {
    expect(exporterOptionsOf(load('pipeline:\n  - tracing\n').pipeline)).toEqual({});
    expect(exporterOptionsOf(load('pipeline:\n  - retry\n').pipeline)).toBeUndefined();
  });

  it('refuses a bad exporter field with its path and line', () => {
    const error = (() => {
      try {
        load('pipeline:\n  - tracing:\n      exporter: { protocol: grpc }\n');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).problems[0]).toMatchObject({
      path: 'pipeline[0].tracing.exporter.protocol',
      line: 3,
    });
  });

  it('describes exporter in the JSON Schema the schema command prints', () => {
    expect(JSON.stringify(configJsonSchema(gatewayRegistry))).toContain('gateway only: where its spans go');
    expect(JSON.stringify(configJsonSchema())).not.toContain('gateway only: where its spans go');
  });
});
