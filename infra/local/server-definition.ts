/** What infra/local needs to know about one server to start, probe and stop it. */
import type { LaunchSpec } from './server-process.js';
import type { ServerName } from './settings.js';

export interface ServerDefinition {
  name: ServerName;
  /** What clients connect to: host:port, or a URL for HTTP servers. */
  endpoint: string;
  /** This server's folder under the data folder: data, config, log and pid file. */
  dir: string;
  logFile: string;
  pidFile: string;
  /** A string in the process's command line, to tell our process from a reused pid. */
  marker: string;
  /** Loopback ports the server binds; all must be free before it starts. */
  ports: number[];
  /** How long a start may take before it counts as failed. */
  readyTimeoutMs: number;
  /** How long a SIGTERM may take before SIGKILL. */
  stopGraceMs: number;
  /** Fetches or builds what is missing, writes the config, and says how to launch. */
  prepare(log: (line: string) => void): Promise<LaunchSpec>;
  /** One readiness check with short timeouts: true once the server really answers. */
  probe(): Promise<boolean>;
  /** Optional work once ready (e.g. creating the lake bucket). */
  afterReady?(): Promise<void>;
}
