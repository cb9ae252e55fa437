import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failedTests } from '../../scripts/failed-tests.js';

const dir = mkdtempSync(join(tmpdir(), 'failed-tests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function log(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// What vitest's default reporter prints around its failure report, colours included.
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const OFF = '\u001b[39m\u001b[22m';
const FAILED_RUN = [
  ' RUN  v4.1.12 /repo',
  ' ✓  integration  test/a.int.test.ts (1 test) 20ms',
  ' ❯  integration  test/b.int.test.ts (1 test | 1 failed) 9ms',
  '',
  `${RED}${DIM}⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯${OFF}`,
  '',
  ' FAIL   integration  test/b.int.test.ts > the story',
  'AssertionError: expected 4 to be 3',
  `${RED}- Expected${OFF}`,
  '',
  `${DIM} Test Files ${OFF} 1 failed | 1 passed (2)`,
  '      Tests  1 failed | 1 passed (2)',
].join('\n');

describe('failedTests: vitest failure report repeated at the end of CI', () => {
  it('gives the report from its heading to the summary, without colours', () => {
    expect(failedTests(log('failed.log', FAILED_RUN))).toEqual([
      '⎯⎯⎯⎯⎯⎯⎯ Failed Tests 1 ⎯⎯⎯⎯⎯⎯⎯',
      '',
      ' FAIL   integration  test/b.int.test.ts > the story',
      'AssertionError: expected 4 to be 3',
      '- Expected',
      '',
    ]);
  });

  it('takes a suite failed in a hook (Failed Suites) as well', () => {
    const text = FAILED_RUN.replace('Failed Tests 1', 'Failed Suites 1');
    expect(failedTests(log('suite.log', text))[0]).toBe('⎯⎯⎯⎯⎯⎯⎯ Failed Suites 1 ⎯⎯⎯⎯⎯⎯⎯');
  });

  it('gives nothing for a run that passed, and says when there is no output at all', () => {
    const passed = ' ✓  unit  test/a.test.ts (1 test) 2ms\n Test Files  1 passed (1)\n';
    expect(failedTests(log('passed.log', passed))).toEqual([]);
    const missing = join(dir, 'missing.log');
    expect(failedTests(missing)).toEqual([`${missing}: no vitest output was written`]);
  });

  it('cuts a long report at 200 lines and says how many more the log holds', () => {
    const long = [
      '⎯⎯ Failed Tests 300 ⎯⎯',
      ...Array.from({ length: 299 }, (_, i) => `line ${i}`),
      ' Test Files  1 failed (1)',
    ].join('\n');
    const file = log('long.log', long);
    const lines = failedTests(file);
    expect(lines).toHaveLength(201);
    expect(lines[200]).toBe(`… 100 more lines in ${file}`);
  });
});
