import { stackEndpoints } from './stack-endpoints.js';

// A minimal SQL Gateway caller for the stack's own tests (they prove the
// stack works, independently of the product's gateway client in src/flink).

async function call(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${stackEndpoints().flinkGatewayUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new Error(`gateway ${path}: ${res.status} ${JSON.stringify(json).slice(0, 2000)}`);
  return json;
}

export async function openSession(): Promise<string> {
  return (await call('/v1/sessions', { sessionName: 'evolve-stack-test' })).sessionHandle as string;
}

export async function closeSession(session: string): Promise<void> {
  await fetch(`${stackEndpoints().flinkGatewayUrl}/v1/sessions/${session}`, { method: 'DELETE' });
}

/** Runs one statement to completion; returns the Flink job id for an INSERT. */
export async function runStatement(
  session: string,
  statement: string,
  executionConfig: Record<string, string> = {},
): Promise<string | undefined> {
  const op = (await call(`/v1/sessions/${session}/statements`, { statement, executionConfig }))
    .operationHandle as string;
  for (let i = 0; i < 240; i++) {
    const status = (await call(`/v1/sessions/${session}/operations/${op}/status`)).status as string;
    if (status === 'FINISHED') break;
    if (status === 'ERROR' || status === 'CANCELED') {
      await call(`/v1/sessions/${session}/operations/${op}/result/0?rowFormat=JSON`); // throws with the cause
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const result = await call(`/v1/sessions/${session}/operations/${op}/result/0?rowFormat=JSON`);
  return typeof result.jobID === 'string' ? result.jobID : undefined;
}
