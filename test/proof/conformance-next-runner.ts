/**
 * The official conformance CLI's newest release (0.2.0-alpha.12, installed as `conformance-next`), run
 * with `--requirements <revision>` under Node 24, and an SDK v2 host for it: `createMcpHandler(factory)`
 * behind `toNodeHandler` on 127.0.0.1, a server built per request, Host and Origin checked against
 * loopback names (the DNS-rebinding defence the suite probes).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  localhostHostValidation,
  originValidation,
  toNodeHandler,
  type NodeIncomingMessageLike,
} from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  type McpHttpHandler,
  type McpServer,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { parse } from 'yaml';
import type { Check, ConformanceRun } from './conformance-runner.js';

const CLI = fileURLToPath(
  new URL('../node_modules/@modelcontextprotocol/conformance-next/dist/index.js', import.meta.url),
);

/** The spec revisions whose requirement sets the proof runs. */
/**
 * Whether this Node can run the 0.2.0-alpha suite (it needs Node 24; `.ci/run` runs every test a second time
 * on Node 24). When it cannot, prints the reason once under `name`, so a skip never passes silently.
 */
export function skipBelowNode24(name: string, version: string): boolean {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return false;
  console.info(
    `${name} skipped: the conformance suite ${version} needs Node 24 (this is Node ${process.versions.node}); .ci/run runs it in its Node 24 pass`,
  );
  return true;
}

export type Revision = '2025-11-25' | '2026-07-28';

// Results land in <out>/server-<scenario>-<ISO time>/checks.json; a scenario run under a revision may
// carry the revision in its name.
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/;

/** Runs `conformance server --url <url> --requirements <revision>` and reads `checks.json` per scenario. */
export async function runConformanceNext(
  node: string,
  url: URL,
  revision: Revision,
): Promise<ConformanceRun> {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-proof-conformance-next-'));
  try {
    const args = [CLI, 'server', '--url', url.href, '--requirements', revision, '-o', dir];
    const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const scenarios = new Map<string, Check[]>();
    for (const entry of await readdir(dir, { recursive: true })) {
      if (!entry.endsWith('checks.json')) continue;
      const name = RESULT_DIR.exec(entry.split(/[\\/]/).at(-2) ?? '')?.[1];
      if (name === undefined) continue;
      scenarios.set(name, JSON.parse(await readFile(join(dir, entry), 'utf8')) as Check[]);
    }
    return { scenarios, exitCode, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A listening v2 host. */
export interface V2Host {
  readonly url: URL;
  /** Servers the factory built so far (one per request). */
  readonly built: () => number;
  close(): Promise<void>;
}

/**
 * Serves `factory` statelessly over Streamable HTTP at `http://127.0.0.1:<port>/mcp`, both eras. The
 * factory gets the handler's notifier, which `subscriptions/listen` streams hear.
 */
export async function hostV2(factory: (notify: ServerNotifier) => McpServer): Promise<V2Host> {
  let built = 0;
  const handler: McpHttpHandler = createMcpHandler(() => {
    built += 1;
    return factory(handler.notify);
  });
  const serve = toNodeHandler(handler);
  const validHost = localhostHostValidation();
  const validOrigin = originValidation(['localhost', '127.0.0.1', '[::1]']);
  const http = createServer((req, res) => {
    if (!validHost(req, res) || !validOrigin(req, res)) return;
    void serve(req as NodeIncomingMessageLike, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    built: () => built,
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The scenarios `requirements/<revision>.yaml` of the installed release requires of a server. */
export function required(revision: Revision): Set<string> {
  const file = fileURLToPath(
    new URL(
      `../node_modules/@modelcontextprotocol/conformance-next/requirements/${revision}.yaml`,
      import.meta.url,
    ),
  );
  return new Set((parse(readFileSync(file, 'utf8')) as { server: string[] }).server);
}

/** Per scenario, every check's id and status: what "the same result" compares. */
export function checkStatuses(run: ConformanceRun): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [scenario, checks] of [...run.scenarios].sort(([a], [b]) => a.localeCompare(b))) {
    out[scenario] = Object.fromEntries(checks.map((c) => [c.id, c.status]));
  }
  return out;
}
