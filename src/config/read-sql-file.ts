import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A production script is SQL text; anything larger is not one (or is /dev/zero). */
export const MAX_SQL_FILE_BYTES = 1024 * 1024;

export interface SqlFileRef {
  /** Shown in messages, e.g. 'pipelines.yaml'. */
  fileName: string;
  pipeline: string;
  /** As written in the file. */
  sqlFile: string;
  /** The pipelines file's folder; undefined when the YAML came from Slack. */
  baseDir: string | undefined;
}

/** Whether `path` is `dir` itself or lies below it (both already absolute and normalized). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Reads `production.sqlFile`, which only an administrator's pipelines file
 * may name: the path is relative to that file's folder and must stay inside
 * it, lexically and after symlinks (realpath), so neither `/proc/self/environ`
 * nor `../../etc/passwd` nor a link to them is read. From Slack (no folder)
 * every sqlFile is refused: what a member types never names a file.
 */
export async function readSqlFile(ref: SqlFileRef): Promise<string> {
  const where = `${ref.fileName}: pipeline '${ref.pipeline}' field 'production.sqlFile'`;
  const refuse = (why: string) => new Error(`${where} ${why}`);
  if (ref.baseDir === undefined) {
    throw refuse(
      "is refused: From Slack, give the production SQL inline (production.sql); sqlFile is read only from the pipelines file on the bot's host",
    );
  }
  if (isAbsolute(ref.sqlFile)) {
    throw refuse(
      `names '${ref.sqlFile}', an absolute path; give a path relative to the pipelines file, inside its folder`,
    );
  }
  const base = resolve(ref.baseDir);
  const lexical = resolve(base, ref.sqlFile);
  if (!isInside(base, lexical)) {
    throw refuse(
      `names '${ref.sqlFile}', which leaves the pipelines file's folder; keep the SQL files inside it`,
    );
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw refuse(
      `names '${ref.sqlFile}', which cannot be read; the path is relative to the pipelines file`,
    );
  }
  const realBase = await realpath(base).catch(() => {
    throw refuse(`cannot be read: the pipelines file's folder is not readable`);
  });
  if (!isInside(realBase, real)) {
    throw refuse(
      `names '${ref.sqlFile}', a link to a file outside the pipelines file's folder; keep the SQL files inside it`,
    );
  }
  return readRegularFile(real, refuse, ref.sqlFile);
}

/** Opens once and checks what was opened, so the file checked is the file read. */
async function readRegularFile(
  path: string,
  refuse: (why: string) => Error,
  shown: string,
): Promise<string> {
  const handle = await open(path, 'r').catch(() => {
    throw refuse(
      `names '${shown}', which cannot be read; the path is relative to the pipelines file`,
    );
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refuse(`names '${shown}', which is not a regular file`);
    if (stat.size > MAX_SQL_FILE_BYTES) {
      throw refuse(`names '${shown}', which is over ${MAX_SQL_FILE_BYTES} bytes; is it SQL?`);
    }
    const sql = await handle.readFile('utf8');
    if (sql.trim() === '') throw refuse('names an empty file');
    return sql;
  } finally {
    await handle.close();
  }
}
