/**
 * Which way an admin command goes (README "Administering from the command line"):
 * a server running on the data directory (its pid file names a live process) is
 * asked through its API; otherwise the command works on the data directory itself
 * with the same routes. --api / --direct force one; --url implies --api.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { AdminCallError, apiBaseUrl, DirectAdminClient, HttpAdminClient, type AdminClient } from '../app/admin-client.js';
import { readPbxConfig } from '../app/config-files.js';
import { defaultPidFile, runningServerPid } from '../app/server-pid.js';
import { AdminTokenFileError, adminTokenFile, readAdminTokenFile } from '../app/admin-token-file.js';
import { ConfigError, ConfigErrors } from '../util/errors.js';

export interface TargetOptions {
  config: string;
  pidFile?: string;
  token?: string;
  url?: string;
  api?: boolean;
  direct?: boolean;
  json?: boolean;
}

/** Exit code 2: the command line itself is wrong (commander's own errors end the same way). */
export class UsageError extends Error {}

export const say = (line = ''): void => void process.stdout.write(line + '\n');
export const complain = (line: string): void => void process.stderr.write(line + '\n');

/** Adds the options every admin command shares, and exit code 2 for usage errors. */
export function adminCommand(cmd: Command): Command {
  return usageExit(cmd)
    .option('-c, --config <file>', 'the pbx.yaml to use', 'config/pbx.yaml')
    .option('--pid-file <file>', 'pid file of a running server (default <dataDir>/pbx.pid)')
    .option('--token <token>', 'API bearer token (default: env PBX_TOKEN, then api.adminToken of pbx.yaml, then <dataDir>/admin-token)')
    .option('--url <url>', 'the API to call (default from api.listen of pbx.yaml); implies --api')
    .option('--api', 'go through the API even when no server seems to run here')
    .option('--direct', 'work on the data directory even when a server runs (only reads are allowed then)');
}

/** Commander's usage errors (missing argument, unknown option, bad value) exit with 2; help with 0. */
export function usageExit(cmd: Command): Command {
  return cmd.exitOverride((err: CommanderError) => {
    process.exit(err.exitCode === 0 ? 0 : 2);
  });
}

/** A whole number within [min, max], for an option's argParser. */
export function intOption(min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`a whole number from ${min} to ${max}`);
    return n;
  };
}

export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/**
 * Opens the client the options ask for. `writes`: the command changes something, which
 * is refused with --direct while a server runs (it would not see the change: its
 * caches, the resolver, live registrations).
 */
export function openAdminClient(o: TargetOptions, writes: boolean): AdminClient {
  if (o.api && o.direct) throw new UsageError('--api and --direct exclude each other');
  const config = readPbxConfig(o.config);
  const pidFile = o.pidFile ?? defaultPidFile(config.dataDir);
  const pid = runningServerPid(pidFile);
  const useApi = o.api || o.url !== undefined || (pid !== undefined && !o.direct);
  if (useApi) {
    if (o.direct) throw new UsageError('--url and --direct exclude each other');
    // The token file the server made (no api.adminToken) is for this config's own API
    // only: it is not sent to another --url.
    const token = nonEmpty(o.token) ?? nonEmpty(process.env['PBX_TOKEN']) ?? config.api.adminToken ?? (o.url === undefined ? tokenFromFile(config.dataDir) : undefined);
    if (token === undefined) {
      const why = pid !== undefined ? `a server runs on ${config.dataDir} (pid ${pid}), so this goes through its API, which` : 'the API';
      throw new UsageError(
        `${why} needs a token: give --token, set PBX_TOKEN, or set api.adminToken in ${config.file}` +
          (o.url === undefined ? ` (a server started without one writes it to ${adminTokenFile(config.dataDir)})` : ''),
      );
    }
    return new HttpAdminClient(o.url ?? apiBaseUrl(config.api), token);
  }
  if (writes && pid !== undefined) {
    throw new AdminCallError(
      0,
      'server_running',
      `a server runs on ${config.dataDir} (pid ${pid}) and would not see a change made behind its back: drop --direct to go through its API, or stop the server`,
    );
  }
  return new DirectAdminClient(config);
}

function tokenFromFile(dataDir: string): string | undefined {
  try {
    return readAdminTokenFile(dataDir);
  } catch (e) {
    if (e instanceof AdminTokenFileError) throw new UsageError(`${e.message}; run as the server's user, or give --token`);
    throw e;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Runs a command body with its client: exit 0 when it returns, 1 when the API (or the
 * data directory) refused or failed, printing the API's code and message; 2 for usage.
 */
export async function runAdmin(o: TargetOptions, writes: boolean, body: (client: AdminClient) => Promise<void>): Promise<void> {
  let client: AdminClient | undefined;
  try {
    client = openAdminClient(o, writes);
    await body(client);
    process.exitCode = 0;
  } catch (e) {
    process.exitCode = reportError(e);
  } finally {
    try {
      client?.close();
    } catch (e) {
      complain(`error: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}

function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    complain(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof AdminCallError) {
    complain(`error: ${e.status > 0 ? `${e.status} ` : ''}${e.code}: ${e.message}`);
    const problems = (Array.isArray(e.details) ? e.details : (e.details as { problems?: unknown } | undefined)?.problems) as unknown;
    if (Array.isArray(problems)) {
      for (const p of problems.slice(0, 20)) {
        const q = p as { path?: string; message?: string };
        if (q && typeof q === 'object' && typeof q.message === 'string') complain(`  ${q.path || '(body)'}: ${q.message}`);
      }
    }
    return 1;
  }
  if (e instanceof ConfigErrors || e instanceof ConfigError) {
    complain(e.message);
    return 1;
  }
  complain(`error: ${(e as Error).message}`);
  return 1;
}
