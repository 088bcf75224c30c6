import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli.js';
import type { Gateway } from './gateway.js';
import { ProxySignals } from './proxy-signals.js';

/** An io whose signals the test sends, and what the command logged. */
function signalling(): { io: CliIo; send(signal: NodeJS.Signals): void; lines: string[] } {
  const handlers = new Map<string, (signal: NodeJS.Signals) => void>();
  const io: CliIo = {
    stdout: () => undefined,
    stderr: () => undefined,
    env: {},
    onSignal(handler) {
      handlers.set('stop', handler);
      return () => handlers.delete('stop');
    },
    onReload(handler) {
      handlers.set('SIGHUP', () => handler());
      return () => handlers.delete('SIGHUP');
    },
  };
  const lines: string[] = [];
  return {
    io,
    lines,
    send: (signal) => handlers.get(signal === 'SIGHUP' ? 'SIGHUP' : 'stop')?.(signal),
  };
}

/** A gateway and a reloader that record what they were asked. */
function recording(): {
  gateway: Gateway;
  reloader: { reload(reason: string): Promise<void> };
  asked: string[];
} {
  const asked: string[] = [];
  const gateway = {
    close: (options?: { drainTimeoutMs?: number }) => {
      asked.push(`close ${options?.drainTimeoutMs ?? 'drain'}`);
      return Promise.resolve();
    },
  } as unknown as Gateway;
  const reloader = {
    reload: (reason: string) => {
      asked.push(`reload ${reason}`);
      return Promise.resolve();
    },
  };
  return { gateway, reloader, asked };
}

describe('ProxySignals', () => {
  it('answers any number of SIGHUPs during the start with one reload once the gateway is up', () => {
    const { io, send, lines } = signalling();
    const signals = new ProxySignals(io, (line) => lines.push(line), true);
    for (let i = 0; i < 20; i++) send('SIGHUP');
    const { gateway, reloader, asked } = recording();
    signals.up(gateway, reloader);
    send('SIGHUP');
    expect(asked).toEqual(['reload SIGHUP', 'reload SIGHUP']);
    expect(lines).toEqual(['SIGHUP while starting: the config is read again once the gateway is up']);
  });

  it('stops a gateway that comes up after SIGTERM, instead of reloading it', () => {
    const { io, send, lines } = signalling();
    const signals = new ProxySignals(io, (line) => lines.push(line), true);
    send('SIGHUP');
    send('SIGTERM');
    expect(signals.stopping).toBe(true);
    const { gateway, reloader, asked } = recording();
    signals.up(gateway, reloader);
    expect(asked).toEqual(['close drain']);
    expect(lines.at(-1)).toMatch(/^SIGTERM received while starting: stopping once the start settles/);
  });

  it('stops at once on a second SIGTERM or SIGINT, started or not', async () => {
    const { io, send } = signalling();
    const signals = new ProxySignals(io, () => undefined, false);
    send('SIGINT');
    send('SIGTERM');
    expect(await signals.forced).toBe('forced');
  });

  it('hears no SIGHUP without a config, and nothing once disposed', () => {
    const { io, send } = signalling();
    const signals = new ProxySignals(io, () => undefined, false);
    send('SIGHUP');
    signals.dispose();
    send('SIGTERM');
    expect(signals.stopping).toBe(false);
  });
});
