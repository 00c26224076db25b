// Types for the call harness's own test (test/support/call-harness.test.ts).
export declare class RtpengineServer {
  constructor(o: { dir: string; ngPort: number; portMin?: number; portMax?: number; threads?: number; log?: (s: string) => void });
  describe(): string[];
  start(): Promise<void>;
  pids(): number[];
  stop(): Promise<void>;
}

export declare function rtpengineVersion(): string;
