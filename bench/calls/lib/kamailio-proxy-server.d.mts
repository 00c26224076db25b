// Types for the call harness's own test (test/support/call-harness.test.ts), which starts the
// bench's Kamailio reference from TypeScript.
export interface BenchUser {
  tenant: string;
  domain: string;
  ext: string;
  password: string;
}

export declare class KamailioProxyServer {
  constructor(o: { dir: string; host: string; port: number; children: number; users: BenchUser[]; repoRoot: string; rtpengine?: string; log: (s: string) => void });
  readonly host: string;
  readonly port: number;
  prepare(): string | undefined;
  describe(): string[];
  start(): Promise<void>;
  pids(): number[];
  stop(): Promise<void>;
}
