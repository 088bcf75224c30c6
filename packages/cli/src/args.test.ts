import { describe, expect, it } from 'vitest';
import { parseCommand, parseHeaders } from './args.js';
import { CliError } from './errors.js';

const usageError = (argv: string[]): string => {
  try {
    parseCommand(argv, {});
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    return (error as CliError).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be a usage error`);
};

describe('parseCommand', () => {
  it('adds each --pass-env name to the default allow-list of a stdio upstream', () => {
    const command = parseCommand(
      ['proxy', '--pass-env', 'GITHUB_TOKEN', '-e', 'AWS_*', '--', 'npx', 's'],
      {},
    );
    expect(command).toMatchObject({ name: 'proxy', args: { upstream: { command: 'npx', args: ['s'] } } });
    const inherit =
      command.name === 'proxy' && 'command' in command.args.upstream ? command.args.upstream.inheritEnv : [];
    expect(inherit).toEqual(expect.arrayContaining(['PATH', 'HOME', 'GITHUB_TOKEN', 'AWS_*']));
  });

  it('leaves the default allow-list alone without --pass-env', () => {
    const command = parseCommand(['proxy', '--', 'node', 'server.js'], {});
    expect(command.name === 'proxy' && command.args.upstream).not.toHaveProperty('inheritEnv');
  });

  it('refuses a --pass-env that is not a variable name, and one for an HTTP upstream', () => {
    expect(usageError(['proxy', '--pass-env', 'A=B', '--', 'node'])).toMatch(/variable name.*"A=B"/);
    expect(usageError(['proxy', '--pass-env', 'TOKEN', '-u', 'http://127.0.0.1:9/mcp'])).toMatch(
      /--pass-env applies to a command.*--header/,
    );
  });

  it('takes --watch only with a config file to watch', () => {
    expect(usageError(['proxy', '--watch', '--', 'node'])).toMatch(/--watch .*--config FILE/);
    const command = parseCommand(['proxy', '-w', '-c', 'gw.yaml', '--', 'node'], {});
    expect(command).toMatchObject({ args: { watch: true, config: 'gw.yaml' } });
  });

  it('takes everything after -- as the upstream command, its own flags included', () => {
    const command = parseCommand(['proxy', '--restart', '--', 'node', 'server.js', '--port', '3'], {});
    expect(command).toMatchObject({
      name: 'proxy',
      args: {
        upstream: { command: 'node', args: ['server.js', '--port', '3'] },
        restart: true,
        listen: 'stdio',
      },
    });
  });

  it('reads --upstream, --header and --listen for an HTTP upstream', () => {
    const command = parseCommand(
      [
        'proxy',
        '-u',
        'http://127.0.0.1:9/mcp',
        '-H',
        'X-Team: search',
        '--listen',
        'http://127.0.0.1:8080/mcp',
      ],
      {},
    );
    expect(command).toMatchObject({
      name: 'proxy',
      args: {
        upstream: { url: 'http://127.0.0.1:9/mcp', headers: { 'X-Team': 'search' } },
        listen: 'http://127.0.0.1:8080/mcp',
      },
    });
  });

  it('reads the timeouts in milliseconds', () => {
    const command = parseCommand(['proxy', '--drain-timeout-ms', '2500', '--', 'srv'], {});
    expect(command).toMatchObject({ args: { drainTimeoutMs: 2500, connectTimeoutMs: undefined } });
  });

  it('asks for the upstream when neither a command nor --upstream is given', () => {
    expect(usageError(['proxy'])).toContain('no upstream: put the server command after --');
  });

  it('refuses a command and --upstream together', () => {
    expect(usageError(['proxy', '--upstream', 'http://h/mcp', '--', 'node'])).toContain('not both');
  });

  it('points at -- when an upstream flag lands among its own options', () => {
    expect(usageError(['proxy', 'node', 'server.js', '--port', '3'])).toContain(
      'put the upstream command and its own options after --',
    );
  });

  it('refuses a --listen that is neither stdio nor an http URL', () => {
    expect(usageError(['proxy', '--listen', 'tcp://0.0.0.0:1', '--', 'srv'])).toContain(
      '--listen must be "stdio" or an http:// URL',
    );
  });

  it('refuses a timeout that is not a whole number of milliseconds', () => {
    expect(usageError(['proxy', '--drain-timeout-ms', '5s', '--', 'srv'])).toContain(
      '--drain-timeout-ms must be a whole number of milliseconds, got "5s"',
    );
  });

  it('refuses an unknown command and says how to get help', () => {
    expect(usageError(['serve'])).toMatch(/unknown command "serve"\nRun `mcp-middleware --help`/);
  });

  it('requires --config for check', () => {
    expect(usageError(['check'])).toContain('check needs --config FILE');
  });

  it('takes the upstream of check as proxy does: a command after -- or --upstream URL, or none', () => {
    expect(parseCommand(['check', '-c', 'f.yaml', '--', 'node', 'server.js'], {})).toEqual({
      name: 'check',
      config: 'f.yaml',
      upstream: { command: 'node', args: ['server.js'] },
    });
    expect(parseCommand(['check', '-c', 'f.yaml', '--upstream', 'http://h/mcp'], {})).toEqual({
      name: 'check',
      config: 'f.yaml',
      upstream: { url: 'http://h/mcp', headers: {} },
    });
    expect(parseCommand(['check', '-c', 'f.yaml'], {})).toEqual({
      name: 'check',
      config: 'f.yaml',
      upstream: undefined,
    });
  });

  it('answers --help for every command', () => {
    expect(parseCommand([], {})).toEqual({ name: 'help', topic: 'main' });
    expect(parseCommand(['proxy', '--help'], {})).toEqual({ name: 'help', topic: 'proxy' });
    expect(parseCommand(['check', '-h'], {})).toEqual({ name: 'help', topic: 'check' });
    expect(parseCommand(['schema', '--help'], {})).toEqual({ name: 'help', topic: 'schema' });
  });
});

describe('parseHeaders', () => {
  it('expands ${VAR} from the environment, so secrets stay off the command line', () => {
    expect(parseHeaders(['Authorization: Bearer ${TOKEN}'], { TOKEN: 'abc' })).toEqual({
      Authorization: 'Bearer abc',
    });
  });

  it('names a variable that is not set', () => {
    expect(() => parseHeaders(['Authorization: Bearer ${TOKEN}'], {})).toThrow(
      'uses ${TOKEN}, which is not set',
    );
  });

  it('refuses a header without a name', () => {
    expect(() => parseHeaders([': value'], {})).toThrow('--header must look like "Name: value"');
  });
});
