/**
 * Reloads a running Kamailio's tables through its RPC: kamcmd over the ctl module's binrpc
 * socket (the socket is a file in the edge's run dir, so only that machine's users with access
 * to it can drive Kamailio; no HTTP port is opened for it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export class KamailioRpcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KamailioRpcError';
  }
}

export type RunKamcmd = (kamcmd: string, args: string[]) => Promise<string>;

export const runKamcmd: RunKamcmd = (kamcmd, args) =>
  new Promise((resolve, reject) => {
    execFile(kamcmd, args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new KamailioRpcError(`${kamcmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });

/** The RPC commands that make Kamailio read the routing table files again. */
export const RELOAD_COMMANDS: ReadonlyArray<readonly string[]> = [['htable.reload', 'domain'], ['htable.reload', 'did'], ['dispatcher.reload']];

export async function reloadKamailio(rpc: { kamcmd: string; socket: string }, run: RunKamcmd = runKamcmd): Promise<void> {
  if (!existsSync(rpc.socket)) throw new KamailioRpcError(`no Kamailio control socket at ${rpc.socket} (is the edge running?)`);
  for (const cmd of RELOAD_COMMANDS) {
    const out = await run(rpc.kamcmd, ['-s', `unix:${rpc.socket}`, ...cmd]);
    if (/^error:/im.test(out)) throw new KamailioRpcError(`${cmd.join(' ')}: ${out.trim()}`);
  }
}

/** Arguments to run the generated config in the foreground (-DD, logs on stderr), with its own pid file and run dir. */
export function kamailioArgs(runDir: string): string[] {
  return ['-f', `${runDir}/kamailio.cfg`, '-P', `${runDir}/kamailio.pid`, '-Y', runDir, '-DD', '-E', '-m', '64', '-M', '8'];
}
