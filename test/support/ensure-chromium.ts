import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The browser tests drive Debian's `chromium` package (playwright-core
 * downloads no browser of its own here). Installs it with apt-get when it is
 * missing; returns the executable's path either way.
 */
export async function ensureChromium(): Promise<string> {
  if (await isExecutable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 };
  try {
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', 'chromium'], options);
  } catch (err) {
    throw new Error(
      `${CHROMIUM_PATH} is missing and 'apt-get install -y chromium' failed; install the Debian package chromium by hand.`,
      { cause: err },
    );
  }
  if (!(await isExecutable(CHROMIUM_PATH))) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing.`);
  }
  return CHROMIUM_PATH;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
