import { z } from 'zod';

/** A Flink release as the cluster reports it ("1.20.3", "2.2.1", "2.3-SNAPSHOT"). */
export interface FlinkVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
}

/** `GET /config` of the REST API (JobManager). */
export const restConfigSchema = z.object({ 'flink-version': z.string() });
/** `GET /v1/info` of the SQL Gateway (the same on 1.20 and 2.x). */
export const gatewayInfoSchema = z.object({ version: z.string() });

export function parseFlinkVersion(text: string): FlinkVersion | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text.trim());
  if (!m) return undefined;
  return { text: text.trim(), major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * 1.20 is the first release that reads both the old and the new names of the
 * checkpoint, savepoint and recovery options (1.20 renamed them; 2.x keeps
 * the old ones only as deprecated fallbacks). Earlier releases are not tested and would
 * ignore the new names; a later major may drop the old ones.
 */
export function isSupportedFlink(v: FlinkVersion): boolean {
  return (v.major === 1 && v.minor >= 20) || v.major === 2;
}

/**
 * Statement options the domain names with their Flink 1.x keys (the
 * FlinkPort's vocabulary), with the key Flink 2 reads. Flink 2.2 still maps
 * the old keys as deprecated fallbacks, but says so in its log and may drop
 * them; sending the current key keeps a 2.x cluster on its documented path.
 */
const RENAMED_IN_FLINK_2: Readonly<Record<string, string>> = {
  'execution.savepoint.path': 'execution.state-recovery.path',
  'execution.savepoint.ignore-unclaimed-state': 'execution.state-recovery.ignore-unclaimed-state',
  'execution.savepoint-restore-mode': 'execution.state-recovery.claim-mode',
};

/** Whether `config` names an option whose key depends on the Flink release. */
export function hasVersionedOption(config: Readonly<Record<string, string>>): boolean {
  return Object.keys(config).some((k) => k in RENAMED_IN_FLINK_2);
}

/** `config` with each option under the key the given release reads. */
export function optionsForFlink(
  version: FlinkVersion,
  config: Readonly<Record<string, string>>,
): Record<string, string> {
  if (version.major < 2) return { ...config };
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [RENAMED_IN_FLINK_2[k] ?? k, v]),
  );
}
