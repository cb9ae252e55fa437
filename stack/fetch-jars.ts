import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MAVEN_DIR = resolve(new URL('.', import.meta.url).pathname, 'maven');

/**
 * Copies the jars one release of a component needs (its Maven descriptor in
 * stack/maven, with the versions given as Maven properties) into
 * `<libDir>/<component>-<version>`, so several releases sit side by side and
 * switching back and forth fetches nothing. Maven's own repository is the
 * download cache; the copy is redone only when the descriptor or the
 * properties change, so `up` is cheap after the first time.
 */
export function fetchJars(
  component: 'kafka' | 'flink',
  version: string,
  properties: Readonly<Record<string, string>>,
  libDir: string,
  log: (line: string) => void,
): string {
  const pom = join(MAVEN_DIR, `${component}.pom.xml`);
  const target = join(libDir, `${component}-${version}`);
  const stamp = join(target, '.pom-sha256');
  const defines = Object.entries(properties).map(([k, v]) => `-D${k}=${v}`);
  const digest = createHash('sha256')
    .update(readFileSync(pom))
    .update(defines.join('\n'))
    .digest('hex');
  if (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === digest &&
    readdirSync(target).length > 1
  ) {
    return target;
  }
  log(`fetching ${component} ${version} jars from Maven Central (once; cached afterwards)`);
  rmSync(target, { recursive: true, force: true });
  const started = Date.now();
  const mvn = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${target}`,
      '-DincludeScope=runtime',
      ...defines,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (mvn.error) {
    throw new Error(
      `could not run Maven (${mvn.error.message}); install it (Debian: apt-get install maven) and retry`,
    );
  }
  if (mvn.status !== 0) {
    const tail = `${mvn.stdout}\n${mvn.stderr}`
      .split('\n')
      .filter((l) => l.includes('ERROR'))
      .slice(0, 5)
      .join('\n');
    throw new Error(
      `Maven could not fetch the ${component} ${version} jars:\n${tail}\nCheck that Maven Central is reachable and serves that release, then retry.`,
    );
  }
  writeFileSync(stamp, digest);
  log(`${component} ${version} jars ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return target;
}
