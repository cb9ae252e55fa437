import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/create-runtime.js';
import { EvolveError } from '../../src/errors.js';
import { ordersPipelineSql } from '../support/orders-pipeline.js';
import { stackEndpoints } from '../support/stack-endpoints.js';
import { testPki, type TestPki } from '../support/test-pki.js';
import { disposeRuntime, testRuntime } from '../support/test-runtime.js';
import { TlsProxy } from '../support/tls-proxy.js';
import { RecordingNotifier } from '../support/workflow-world.js';

/**
 * Flink REST and the SQL Gateway over https with a private CA, and with
 * mutual TLS, configured the way an operator does (EVOLVE_FLINK_TLS_*). The
 * real JobManager and gateway of the local stack sit behind a TLS proxy.
 */
describe('Flink over TLS with a private CA', () => {
  const e = stackEndpoints();
  let pki: TestPki;
  const proxies: TlsProxy[] = [];
  const runtimes: Runtime[] = [];
  let rest: TlsProxy;
  let gateway: TlsProxy;
  let restMutual: TlsProxy;
  let gatewayMutual: TlsProxy;

  async function runtime(env: Record<string, string>): Promise<Runtime> {
    const rt = await testRuntime(new RecordingNotifier(), env);
    runtimes.push(rt);
    return rt;
  }

  const sql = ordersPipelineSql('tls-orders', 'tls-revenue', 'tls-v1').v1;
  const endpoints = (r: TlsProxy, g: TlsProxy) => ({
    flink: { restUrl: r.url, gatewayUrl: g.url },
  });

  async function unreachable(p: Promise<unknown>): Promise<EvolveError> {
    const err = await p.then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(err).toBeInstanceOf(EvolveError);
    expect((err as EvolveError).code).toBe('FLINK_UNREACHABLE');
    return err as EvolveError;
  }

  beforeAll(async () => {
    pki = testPki();
    rest = await TlsProxy.start(e.flinkRestUrl, pki);
    gateway = await TlsProxy.start(e.flinkGatewayUrl, pki);
    restMutual = await TlsProxy.start(e.flinkRestUrl, pki, { requireClientCert: true });
    gatewayMutual = await TlsProxy.start(e.flinkGatewayUrl, pki, { requireClientCert: true });
    proxies.push(rest, gateway, restMutual, gatewayMutual);
  });

  afterAll(async () => {
    for (const rt of runtimes) await disposeRuntime(rt).catch(() => undefined);
    for (const p of proxies) await p.close();
    pki?.dispose();
  });

  it('reaches REST and the gateway when EVOLVE_FLINK_TLS_CA_FILE names the CA', async () => {
    const rt = await runtime({
      EVOLVE_FLINK_REST_URL: rest.url,
      EVOLVE_FLINK_GATEWAY_URL: gateway.url,
      EVOLVE_FLINK_TLS_CA_FILE: pki.caFile,
    });
    const cluster = rt.flinkCluster(endpoints(rest, gateway));
    expect(Array.isArray(await cluster.rest.listJobs())).toBe(true);
    // A dry run through the gateway: parse, plan, nothing submitted.
    await expect(rt.validateSql(sql, endpoints(rest, gateway))).resolves.toEqual({
      outputTopic: 'tls-revenue',
    });
  });

  it('without the CA (or trusting another CA) says the TLS handshake failed and which variable fixes it', async () => {
    const trusts: Record<string, string>[] = [{}, { EVOLVE_FLINK_TLS_CA_FILE: pki.otherCaFile }];
    for (const env of trusts) {
      const rt = await runtime({
        EVOLVE_FLINK_REST_URL: rest.url,
        EVOLVE_FLINK_GATEWAY_URL: gateway.url,
        ...env,
      });
      const err = await unreachable(rt.flinkCluster(endpoints(rest, gateway)).rest.listJobs());
      expect(err.userMessage).toContain('TLS handshake failed');
      expect(err.userMessage).toContain('EVOLVE_FLINK_TLS_CA_FILE');
      // A certificate problem is not an outage: one attempt, no retries.
      expect(err.userMessage).toContain('1 attempt)');
    }
  });

  it('mutual TLS: the client certificate is sent when EVOLVE_FLINK_TLS_CERT_FILE and _KEY_FILE are set, refused without', async () => {
    const withCert = await runtime({
      EVOLVE_FLINK_REST_URL: restMutual.url,
      EVOLVE_FLINK_GATEWAY_URL: gatewayMutual.url,
      EVOLVE_FLINK_TLS_CA_FILE: pki.caFile,
      EVOLVE_FLINK_TLS_CERT_FILE: pki.clientCertFile,
      EVOLVE_FLINK_TLS_KEY_FILE: pki.clientKeyFile,
    });
    const mutual = endpoints(restMutual, gatewayMutual);
    expect(Array.isArray(await withCert.flinkCluster(mutual).rest.listJobs())).toBe(true);
    await expect(withCert.validateSql(sql, mutual)).resolves.toEqual({
      outputTopic: 'tls-revenue',
    });

    const refusedBefore = restMutual.tlsErrors;
    const withoutCert = await runtime({
      EVOLVE_FLINK_REST_URL: restMutual.url,
      EVOLVE_FLINK_GATEWAY_URL: gatewayMutual.url,
      EVOLVE_FLINK_TLS_CA_FILE: pki.caFile,
    });
    await unreachable(withoutCert.flinkCluster(mutual).rest.listJobs());
    expect(restMutual.tlsErrors, 'the server refused the handshake').toBeGreaterThan(refusedBefore);
  });
});
