import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** What describeConfig() prints for each variable: kept on the schema so the docs cannot drift. */
export interface EnvVarMeta {
  description: string;
  /** Never echoed in errors or logs. */
  secret: boolean;
  /** Default in its environment form, or a sentence when it depends on other variables. */
  default?: string;
  required: boolean;
}

interface EnvVarSpec<T extends z.ZodType> {
  description: string;
  /** Parses the variable's text; its messages say what is expected, never the value. */
  schema: T;
  default?: string;
  /** Shown instead of a default when the value is derived from other variables. */
  defaultNote?: string;
  secret?: boolean;
  required?: boolean;
}

/**
 * One environment variable: text in, typed value out. Defaults are given as
 * text and parsed by the same schema (zod's prefault), so a default can never
 * be a value the variable itself would refuse.
 */
export function envVar<T extends z.ZodType<unknown, string>>(
  spec: EnvVarSpec<T> & { default: string },
): z.ZodPrefault<T>;
export function envVar<T extends z.ZodType<unknown, string>>(
  spec: EnvVarSpec<T> & { required: true },
): T;
export function envVar<T extends z.ZodType<unknown, string>>(spec: EnvVarSpec<T>): z.ZodOptional<T>;
export function envVar<T extends z.ZodType<unknown, string>>(spec: EnvVarSpec<T>): z.ZodType {
  const meta: EnvVarMeta = {
    description: spec.description,
    secret: spec.secret ?? false,
    required: spec.required ?? false,
    ...(spec.default !== undefined || spec.defaultNote !== undefined
      ? { default: spec.default ?? spec.defaultNote }
      : {}),
  };
  if (spec.default !== undefined)
    return spec.schema.prefault(spec.default as z.input<T>).meta({ ...meta });
  if (spec.required) return spec.schema.meta({ ...meta });
  return spec.schema.optional().meta({ ...meta });
}

export const text = (message: string) => z.string({ error: message }).min(1, { error: message });

export function httpUrl(name: string) {
  return z.string().refine((value) => isUrl(value, ['http:', 'https:']), {
    error: `must be an http:// or https:// URL (for example http://127.0.0.1:8081); check ${name}`,
  });
}

export function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Whether a URL's user name and password survive URL decoding (what clients do with them). */
export function hasDecodableCredentials(value: string): boolean {
  const u = new URL(value);
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
    return true;
  } catch {
    return false;
  }
}

/** An http(s) URL naming only an origin: no credentials, path, query or fragment. */
export function isOrigin(value: string): boolean {
  if (!isUrl(value, ['http:', 'https:'])) return false;
  const u = new URL(value);
  return !u.username && !u.password && u.pathname === '/' && !u.search && !u.hash;
}

export function integer(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .refine((v) => /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max, {
      error: `must be ${what}: a whole number from ${min} to ${max}`,
    })
    .transform((v) => Number(v));
}

export function port() {
  return integer('a TCP port', 1, 65535);
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function bool() {
  return z
    .string()
    .refine((v) => TRUE.has(v.toLowerCase()) || FALSE.has(v.toLowerCase()), {
      error: 'must be true or false',
    })
    .transform((v) => TRUE.has(v.toLowerCase()));
}

export function commaList() {
  return z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of: ${values.join(', ')}` });
}

/**
 * The path of a PEM file (certificate or key). Read once here so a wrong path
 * is reported at start, naming its variable, not at the first TLS handshake.
 */
export function pemFile(what: string) {
  return z.string().refine(
    (path) => {
      try {
        return readFileSync(path, 'utf8').includes('-----BEGIN ');
      } catch {
        return false;
      }
    },
    {
      error: `must be the path of a readable PEM file holding ${what} (text starting with -----BEGIN)`,
    },
  );
}
