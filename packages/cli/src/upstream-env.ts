/** The environment a stdio upstream starts with: an allow-list of the gateway's, then the configured `env`. */
/**
 * What a stdio upstream inherits from the gateway's environment by default: what a program needs to find
 * its tools, home, locale and terminal, and Node's and npm's own settings (so `npx` finds its cache and
 * registry), never the gateway's secrets.
 */
export const DEFAULT_INHERITED_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'XDG_*',
  'NODE_*',
  'npm_config_*',
  'NPM_CONFIG_*',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SystemRoot',
  'SYSTEMROOT',
  'ComSpec',
  'PATHEXT',
  'APPDATA',
  'LOCALAPPDATA',
  'USERPROFILE',
  'ProgramFiles',
];

/** The child's environment: the allow-listed part of `parent`, then `extra`. */
export function upstreamEnvironment(
  parent: NodeJS.ProcessEnv,
  inherit: readonly string[],
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const exact = new Set(inherit.filter((name) => !name.endsWith('*')));
  const prefixes = inherit.filter((name) => name.endsWith('*')).map((name) => name.slice(0, -1));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && (exact.has(key) || prefixes.some((prefix) => key.startsWith(prefix)))) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}
