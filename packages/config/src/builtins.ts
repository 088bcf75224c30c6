/** The registry of this project's middlewares, as config files name them. */
import type { RegistryEntry } from './registry.js';

/** Every built-in middleware a config file may name, in the recommended pipeline order. */
export const builtins: readonly RegistryEntry[] = [];
