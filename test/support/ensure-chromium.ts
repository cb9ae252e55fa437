import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Without a colour emoji font the bot's :emoji: render as empty boxes in screenshots. */
const EMOJI_FONT = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf';

/**
 * The browser tests drive Debian's `chromium` package (playwright-core
 * downloads no browser of its own here). Installs it, and the emoji font
 * the screenshots need, with apt-get when missing; returns the executable.
 */
export async function ensureChromium(): Promise<string> {
  const missing = [
    ...((await exists(CHROMIUM_PATH, constants.X_OK)) ? [] : ['chromium']),
    ...((await exists(EMOJI_FONT, constants.R_OK)) ? [] : ['fonts-noto-color-emoji']),
  ];
  if (missing.length === 0) return CHROMIUM_PATH;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 };
  try {
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', ...missing], options);
  } catch (err) {
    throw new Error(
      `'apt-get install -y ${missing.join(' ')}' failed; install the Debian package(s) by hand.`,
      { cause: err },
    );
  }
  if (!(await exists(CHROMIUM_PATH, constants.X_OK))) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing.`);
  }
  return CHROMIUM_PATH;
}

async function exists(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}
