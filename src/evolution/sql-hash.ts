import { createHash } from 'node:crypto';

/**
 * Identity of a SQL script: sha256 of the exact text, hex. No normalisation on
 * purpose — an approval is bound to the bytes the approver was shown, so a
 * whitespace change is a different script that needs a new approval.
 */
export function sqlHash(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** The first 12 hex characters: enough to tell versions apart in a Slack message. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
