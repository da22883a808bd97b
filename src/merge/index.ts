import { compileMerge, type MergeMode, type MergeProgram } from './compile.js';
import { type MergeError, type ParseOptions, parseMerge } from './parse.js';

export * from './catalogue.js';
export * from './compile.js';
export * from './parse.js';

/** Parses and compiles in one step; `program` is null when there are errors (they name line and column). */
export function compileTemplate(
  source: string,
  mode: MergeMode,
  options: ParseOptions,
): { program: MergeProgram | null; errors: MergeError[] } {
  const { nodes, errors } = parseMerge(source, options);
  return { program: errors.length > 0 ? null : compileMerge(nodes, mode), errors };
}
