/** A small argv parser shared by every subcommand: --flag value, --flag=value, repeated flags, booleans. */
import { LandmarkerError } from '../errors';

export interface ParsedArgs {
  positional: string[];
  /** Every value given for a flag, in order (booleans get 'true'). */
  flags: Map<string, string[]>;
}

export interface FlagSpec {
  /** Flags that take no value. */
  booleans?: string[];
  /** Flags that take a value. */
  values?: string[];
}

export function parseArgs(argv: string[], spec: FlagSpec): ParsedArgs {
  const booleans = new Set(spec.booleans ?? []);
  const values = new Set(spec.values ?? []);
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const push = (k: string, v: string) => flags.set(k, [...(flags.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.has(name)) {
      if (eq >= 0) throw usageError(`Flag --${name} takes no value but received "${arg.slice(eq + 1)}"`);
      push(name, 'true');
    } else if (values.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw usageError(`Flag --${name} needs a value`);
      push(name, value);
    } else {
      throw usageError(`Unknown flag --${name}`);
    }
  }
  return { positional, flags };
}

export function flag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function flagAll(args: ParsedArgs, name: string): string[] {
  return args.flags.get(name) ?? [];
}

export function has(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

export function usageError(message: string): LandmarkerError {
  return new LandmarkerError('ERR_INVALID_ARG_VALUE', message);
}
