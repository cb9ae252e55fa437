/**
 * Flink SQL string literals and quoted identifiers. Flink escapes a quote by
 * doubling it and has no backslash escapes, so nothing else is touched.
 */

/** `it's` -> `'it''s'`: the only escaping a Flink string literal needs. */
export function quoteSqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The value of a literal as Flink sees it: quotes removed and doubled quotes
 * undone. Numbers and booleans (allowed as WITH values) come back as written.
 */
export function decodeSqlLiteral(text: string): string {
  const quote = text[0];
  if (
    (quote === "'" || quote === '"' || quote === '`') &&
    text.endsWith(quote) &&
    text.length >= 2
  ) {
    return text.slice(1, -1).replaceAll(quote + quote, quote);
  }
  return text;
}

/** Identifiers compare decoded: `` `orders` `` and `orders` name the same table. */
export const decodeIdentifier = decodeSqlLiteral;

/** Backticks for anything that is not a plain identifier, for messages and hints. */
export function displayIdentifier(parts: readonly string[]): string {
  return parts
    .map((part) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(part) ? part : `\`${part.replaceAll('`', '``')}\``,
    )
    .join('.');
}
