/** A request body as Slack's servers see it: named fields, JSON fields decoded, file parts kept as bytes. */
export interface ParsedSlackBody {
  fields: Record<string, unknown>;
  files: { field: string; name: string; bytes: Buffer }[];
}

/**
 * The WebClient posts form-encoded bodies whose non-scalar arguments
 * (blocks, view, files…) are JSON strings; response_url posts are JSON;
 * uploads are multipart. Slack decodes all three, and so does the fake.
 */
export async function parseSlackBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<ParsedSlackBody> {
  const type = (contentType ?? '').toLowerCase();
  if (raw.length === 0) return { fields: {}, files: [] };
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return { fields: isRecord(parsed) ? parsed : { body: parsed }, files: [] };
  }
  if (type.startsWith('multipart/form-data')) {
    // The platform's own multipart parser: no hand-rolled boundary splitting.
    const form = await new Response(raw, {
      headers: { 'content-type': contentType ?? '' },
    }).formData();
    const fields: Record<string, unknown> = {};
    const files: ParsedSlackBody['files'] = [];
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') fields[key] = decodeField(value);
      else
        files.push({ field: key, name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
    }
    return { fields, files };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
      fields[key] = decodeField(value);
    }
    return { fields, files: [] };
  }
  return { fields: {}, files: [{ field: 'body', name: 'body', bytes: raw }] };
}

function decodeField(value: string): unknown {
  const first = value.trimStart()[0];
  if (first !== '[' && first !== '{') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
