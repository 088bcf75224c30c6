/** @mcp-middleware/core/options: for middleware authors, the one declaration of a factory's options and its reader. */
export { OptionReader, didYouMean, readOptions } from './options.js';
export {
  OptionsDeclaration,
  boolean,
  declareOptions,
  describeNumber,
  fn,
  integer,
  nested,
  number,
  oneOf,
  operations,
  string,
  strings,
  value,
} from './declare-options.js';
export type {
  BooleanSpec,
  DeclaredValue,
  DeclaredValues,
  FunctionSpec,
  NestedSpec,
  NumberSpec,
  OneOfSpec,
  OperationsSpec,
  OptionSpec,
  OptionSpecs,
  ReadOptions,
  StringSpec,
  StringsSpec,
  ValueSpec,
} from './declare-options.js';
