/* Flag parsing and value validation for the CLI (node:util parseArgs, strict). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MODEL_INPUT_SIDE_MAX } from '../api/limits.generated';
import { UsageError } from './errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parse(args: string[], options: Options, allowPositionals: boolean): Parsed {
  try {
    const r = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    // parseArgs messages are one sentence, sometimes followed by a hint on a second line.
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}

function str(values: Parsed['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Integer flag in [min, max]. */
export function intFlag(values: Parsed['values'], name: string, min: number, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!/^[+]?\d+$/.test(v.trim())) throw new UsageError(`--${name} must be an integer, got '${v}'`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got '${v}'`);
  }
  return n;
}

/** Positive finite number. */
export function positiveFlag(values: Parsed['values'], name: string, max: number): number | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
    throw new UsageError(`--${name} must be a number in (0, ${max}], got '${v}'`);
  }
  return n;
}

export function enumFlag<T extends string>(values: Parsed['values'], name: string, allowed: readonly T[]): T | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  }
  return v as T;
}

/** `WxH`, each in [1, MODEL_INPUT_SIDE_MAX]. */
export function sizeFlag(values: Parsed['values'], name: string): { width: number; height: number } | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const m = /^(\d{1,5})[xX](\d{1,5})$/.exec(v.trim());
  const width = m ? Number(m[1]) : 0;
  const height = m ? Number(m[2]) : 0;
  if (!m || width < 1 || height < 1 || width > MODEL_INPUT_SIDE_MAX || height > MODEL_INPUT_SIDE_MAX) {
    throw new UsageError(`--${name} must be WxH with sides in [1, ${MODEL_INPUT_SIDE_MAX}], e.g. 224x224, got '${v}'`);
  }
  return { width, height };
}

/** Three comma-separated finite numbers; `positive` requires > 0. */
export function tripleFlag(values: Parsed['values'], name: string, positive: boolean): number[] | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  const parts = v.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  const ok = parts.length === 3 && parts.every((p) => p !== '') && nums.every((n) => Number.isFinite(n) && (!positive || n > 0));
  if (!ok) {
    throw new UsageError(`--${name} must be three ${positive ? 'positive ' : ''}numbers r,g,b, got '${v}'`);
  }
  return nums;
}

export function stringFlag(values: Parsed['values'], name: string): string | undefined {
  const v = str(values, name);
  if (v !== undefined && v === '') throw new UsageError(`--${name} must not be empty`);
  return v;
}
