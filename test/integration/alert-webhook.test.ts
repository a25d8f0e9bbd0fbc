/**
 * The alert webhook across kill -9, on the real Kafka: alert events go into a fresh alerts topic
 * in three rounds while the dispatcher runs as its own process (alert-webhook-child.ts) and is
 * killed with SIGKILL in the middle of the first two, with requests in flight and events queued.
 * A receiver on 127.0.0.1 (slow, and answering 503 to some first attempts) must have accepted
 * every produced key at least once and no other key, every request signed; duplicates are allowed
 * (at least once) and counted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openEventLog } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import type { EventLog } from '../../infra/kafka/event-log.js';
import { sleep } from '../../infra/retry.js';
import type { AlertEvent } from '../../schemas/alerts.js';
import { alertMessage, testAlertEvent } from '../../speed-layer/alerts/test-alert-events.js';
import { TestWebhookReceiver } from '../../speed-layer/alerts/test-webhook-receiver.js';
import { webhookGroupId } from '../../speed-layer/alerts/webhook-dispatcher.js';

const root = join(import.meta.dirname, '..', '..');
const SECRET = `whsec-it-${randomUUID()}`;
// Two symbols per partition of the 3-partition topic (murmur2 of the key, as Kafka's partitioner).
const SYMBOLS = ['AAPL', 'MSFT', 'BTC', 'ETH', 'TSLA', 'NVDA'];
const EPISODES_PER_ROUND = 10;

/** Round r: episodes [r*10, r*10+10) of every symbol, each opened and closed. */
function round(r: number): AlertEvent[] {
  return SYMBOLS.flatMap((symbol) =>
    Array.from({ length: EPISODES_PER_ROUND }, (_, i) => r * EPISODES_PER_ROUND + i).flatMap((n) => [
      testAlertEvent(symbol, n, 'opened'),
      testAlertEvent(symbol, n, 'closed'),
    ]),
  );
}

/** Its log (info and up) goes to `logFile`; errors also to the test's stderr. */
function startDispatcher(
  env: NodeJS.ProcessEnv,
  logFile: string,
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/integration/alert-webhook-child.ts',
      // 8 of a round's 40 events per partition: full lanes, read again from Kafka after a seek.
      '--lane-capacity',
      '8',
    ],
    {
      env,
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    appendFileSync(logFile, text);
    if (/"level":(50|60)/.test(text) || !text.startsWith('{'))
      process.stderr.write(`dispatcher ${child.pid}: ${text}`);
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`dispatcher exited before ready: ${code ?? signal}`)),
    );
  });
  return { child, ready };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function produce(log: EventLog, topic: string, events: AlertEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 20)
    await log.produce(topic, events.slice(i, i + 20).map(alertMessage));
}

describe('alert webhook dispatcher killed with SIGKILL, restarted', () => {
  const children: ChildProcess[] = [];
  let receiver: TestWebhookReceiver | undefined;
  let log: EventLog | undefined;

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await receiver?.close();
    await log?.close();
  });

  it('has the receiver accept every alert key at least once and no other key', {
    timeout: 240_000,
  }, async () => {
    const runId = randomUUID().slice(0, 8);
    const logFile = join(tmpdir(), `alert-webhook-${runId}.log`);
    /** Accepted (answered 2xx) requests per key. */
    const accepted = new Map<string, number>();
    const acceptedTotal = () => [...accepted.values()].reduce((a, b) => a + b, 0);
    receiver = await TestWebhookReceiver.start(SECRET, (request) => {
      const key = request.key ?? '';
      // Some first attempts fail, so retries are in flight too when the process dies.
      if (request.nth === 1 && /:(AAPL|BTC):.*\/closed$/.test(key)) return { status: 503, delayMs: 5 };
      accepted.set(key, (accepted.get(key) ?? 0) + 1);
      return { status: 200, delayMs: 25 };
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_TOPIC_PREFIX: `it-webhook-${runId}.`,
      KAFKA_GROUP_ID: `it-webhook-${runId}`,
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_WEBHOOK_SECRET: SECRET,
      ALERT_WEBHOOK_TIMEOUT: '2s',
      // Enough attempts that no event is given up on: every key must arrive.
      ALERT_WEBHOOK_MAX_ATTEMPTS: '30',
      LOG_LEVEL: 'info',
    };
    const config = loadConfig(env);
    const topic = config.topics.names.alerts;
    [log] = await openEventLog(config, pino({ level: 'silent' }));
    await log.createTopics([{ name: topic, partitions: 3 }]);

    const produced: AlertEvent[] = [];
    const kills: string[] = [];
    let commits = '';
    let drained = false;
    for (let r = 0; r < 3; r++) {
      const events = round(r);
      produced.push(...events);
      await produce(log, topic, events);
      const { child, ready } = startDispatcher(env, logFile);
      children.push(child);
      await ready;
      if (r < 2) {
        // Mid-stream: part of this round accepted, the rest queued or in flight.
        const target = acceptedTotal() + events.length / 3;
        await receiver.until(() => acceptedTotal() >= target, 90_000, `${target} accepted requests`);
        child.kill('SIGKILL');
        const end = await exited(child);
        kills.push(`round ${r}: ${end.signal} at ${acceptedTotal()} accepted`);
        continue;
      }
      // Drained: every partition committed to its end (so every event settled), then a clean stop.
      const ends = await log.endOffsets(topic);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const committed = await log.committedOffsets(webhookGroupId(config.consumerGroup), topic);
        commits = `${[...committed].map(([p, o]) => `p${p} ${o}/${ends.get(p)}`).join(', ')}`;
        drained = [...ends].every(([p, end]) => end === 0 || committed.get(p) === end);
        if (drained) break;
        if (Date.now() > deadline) break;
        await sleep(250);
      }
      child.kill('SIGTERM');
      expect(await exited(child)).toEqual({ code: 0, signal: null });
    }

    const producedKeys = new Set(produced.map((e) => e.key));
    const receivedKeys = new Set(accepted.keys());
    const duplicates = acceptedTotal() - receivedKeys.size;
    console.log(
      `alert webhook across kill -9 (${kills.join('; ')}): produced ${produced.length} events ` +
        `(${producedKeys.size} keys), received ${receivedKeys.size} distinct keys in ${acceptedTotal()} ` +
        `accepted requests (${duplicates} duplicates), ${receiver.requests.length} requests in all; ` +
        `committed at the end: ${commits}; dispatcher logs in ${logFile}`,
    );
    expect(kills).toHaveLength(2);
    expect([...producedKeys].filter((k) => !receivedKeys.has(k))).toEqual([]);
    expect([...receivedKeys].filter((k) => !producedKeys.has(k))).toEqual([]);
    expect(receiver.requests.filter((r) => !r.check.ok)).toEqual([]);
    // Every event settled is committed: a commit that never comes re-sends it at every start.
    expect(drained, `committed within 120 s: ${commits}`).toBe(true);
  });
});
