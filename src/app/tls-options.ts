import { readFileSync } from 'node:fs';
import type { Config } from '../config/load-config.js';
import type { FlinkTlsOptions } from '../flink/flink-http.js';

/**
 * The PEM files named by the configuration, read once at start (loadConfig
 * has checked that they are readable PEM). Undefined when no file is set, so
 * https endpoints are checked against Node's public CAs as usual.
 */
export function flinkTlsOptions(config: Pick<Config, 'flink'>): FlinkTlsOptions | undefined {
  const files = config.flink.tls;
  if (!files) return undefined;
  return {
    ...(files.caFile ? { ca: readFileSync(files.caFile, 'utf8') } : {}),
    ...(files.certFile ? { cert: readFileSync(files.certFile, 'utf8') } : {}),
    ...(files.keyFile ? { key: readFileSync(files.keyFile, 'utf8') } : {}),
  };
}

/** kafkajs's `ssl`: true for public CAs, or the private CA's certificates. */
export function kafkaSslOption(config: Pick<Config, 'kafka'>): boolean | { ca: string[] } {
  if (!config.kafka.ssl) return false;
  return config.kafka.sslCaFile ? { ca: [readFileSync(config.kafka.sslCaFile, 'utf8')] } : true;
}
