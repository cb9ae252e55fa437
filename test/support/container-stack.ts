// Placeholder replaced by the testcontainers variant (Foundation issue).
export interface ContainerStack {
  env: Record<string, string>;
  describe: string;
  stop(): Promise<void>;
}
export async function startContainerStack(): Promise<ContainerStack | undefined> {
  return undefined;
}
