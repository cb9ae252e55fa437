import { afterAll, describe, expect, it } from 'vitest';
import { FlinkRestClient } from '../../src/flink/flink-rest-client.js';
import { isSupportedFlink } from '../../src/flink/flink-version.js';
import { SqlGatewayClient } from '../../src/flink/sql-gateway-client.js';
import { stackConfig } from '../../stack/stack-config.js';
import { stackEndpoints } from '../support/stack-endpoints.js';

// CI runs this file on both stacks (Flink 1.20 and 2.2): the version the
// product reads must be the one the stack was asked to run, or the second
// stack silently tested the first one's release.
describe('the Flink release of the cluster', () => {
  const e = stackEndpoints();
  const rest = new FlinkRestClient({ baseUrl: e.flinkRestUrl });
  const gateway = new SqlGatewayClient({ baseUrl: e.flinkGatewayUrl });
  afterAll(async () => {
    await rest.close();
    await gateway.close();
  });

  it('is read from GET /config and the gateway’s /v1/info, agrees, and is supported', async () => {
    const fromRest = await rest.flinkVersion();
    const fromGateway = await gateway.flinkVersion();
    console.log(`[flink-version] REST ${fromRest.text}, SQL Gateway ${fromGateway.text}`);
    expect(fromGateway).toEqual(fromRest);
    expect(isSupportedFlink(fromRest)).toBe(true);
    if (e.kind === 'local') expect(fromRest.text).toBe(stackConfig().versions.flink);
  });
});
