/** The `mcp-middleware proxy` command, spawned as a user runs it, in HTTP listen mode. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = 'packages/cli/src/bin.ts';

/** A running gateway process. */
export interface SpawnedGateway {
  readonly url: URL;
  readonly child: ChildProcess;
  /** Everything it wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `mcp-middleware proxy --listen http://127.0.0.1:0/mcp <args…>` and waits until it listens. */
export async function spawnGateway(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<SpawnedGateway> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@mcp-middleware/source',
      '--import',
      'tsx',
      BIN,
      'proxy',
      '--listen',
      'http://127.0.0.1:0/mcp',
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(stderr);
      if (found?.[1] !== undefined) resolve(new URL(found[1]));
    });
    void exit.then((code) => reject(new Error(`the gateway exited with ${String(code)}:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}
