import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flinkTlsOptions, kafkaSslOption } from '../../src/app/tls-options.js';
import { loadConfig } from '../../src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'evolve-tls-'));
const pem = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${text}-----\nMIIB\n-----END ${text}-----\n`);
  return path;
};
const ca = pem('ca.pem', 'CERTIFICATE');
const cert = pem('client.pem', 'CERTIFICATE');
const key = pem('client.key', 'PRIVATE KEY');

describe('TLS options from the configuration', () => {
  it('kafkajs gets ssl: false, true, or the private CA read from its file', () => {
    expect(kafkaSslOption(loadConfig({}))).toBe(false);
    expect(kafkaSslOption(loadConfig({ EVOLVE_KAFKA_SSL: 'true' }))).toBe(true);
    const withCa = kafkaSslOption(
      loadConfig({ EVOLVE_KAFKA_SSL: 'true', EVOLVE_KAFKA_SSL_CA_FILE: ca }),
    );
    expect(withCa).toEqual({ ca: [expect.stringContaining('BEGIN CERTIFICATE')] });
  });

  it("Flink's clients get the CA, certificate and key contents, or nothing (Node's public CAs)", () => {
    expect(flinkTlsOptions(loadConfig({}))).toBeUndefined();
    expect(flinkTlsOptions(loadConfig({ EVOLVE_FLINK_TLS_CA_FILE: ca }))).toEqual({
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    const mutual = flinkTlsOptions(
      loadConfig({ EVOLVE_FLINK_TLS_CERT_FILE: cert, EVOLVE_FLINK_TLS_KEY_FILE: key }),
    );
    expect(mutual?.cert).toContain('BEGIN CERTIFICATE');
    expect(mutual?.key).toContain('BEGIN PRIVATE KEY');
    expect(mutual?.ca).toBeUndefined();
  });
});
