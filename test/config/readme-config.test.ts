import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withReference } from '../../scripts/readme-config.js';

describe('README configuration reference', () => {
  it('is the one generated from the zod schema (run: npx tsx scripts/readme-config.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toBe(withReference(readme));
  });
});
