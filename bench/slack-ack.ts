/**
 * How fast `/slack/events` (Bolt behind our route, issue 13) acknowledges a Policy Guard click
 * while the decision behind it is slow: 40 signed clicks in sequence through the real HTTP server,
 * each decision taking DECISION_MS. `npx tsx bench/slack-ack.ts` (no services needed). Slack wants
 * the ack within 3 s; before Bolt the route answered only after the decision was stored.
 */
import { APPROVE_ACTION, signSlackRequest, slackRoute } from '../app/chat/slack.js';
import { systemClock } from '../app/deps.js';
import { silentLogger } from '../app/logger.js';
import { startServer } from '../app/server/server.js';
import { median } from './lib.js';

const SECRET = 'bench-signing-secret';
const DECISION_MS = 1_000;
const CLICKS = 40;
let decided = 0;
const route = slackRoute({
  signingSecret: SECRET, clock: systemClock, logger: silentLogger,
  onDecision: async () => { await new Promise((r) => setTimeout(r, DECISION_MS)); decided++; },
});
const server = await startServer({ routes: [route], logger: silentLogger, port: 0, host: '127.0.0.1' });
const acks: number[] = [];
for (let i = 0; i < CLICKS; i++) {
  const payload = {
    type: 'block_actions', user: { id: 'U1' }, team: { id: 'T1' }, channel: { id: 'C1' }, container: { message_ts: '1.2', channel_id: 'C1' },
    actions: [{ action_id: APPROVE_ACTION, value: JSON.stringify({ repo: 'o/r', pr: 1, sha: 'a'.repeat(40) }), action_ts: `1.${i}` }],
  };
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const ts = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(`${server.url}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SECRET, ts, body) } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`click ${i} answered ${res.status}`);
  acks.push(performance.now() - started);
}
const decidedAtLastAck = decided;
await route.drain?.();
await server.close();
acks.sort((a, b) => a - b);
const p95 = acks[Math.ceil(acks.length * 0.95) - 1]!;
process.stdout.write(`${CLICKS} clicks, decision ${DECISION_MS} ms each: ack median ${median(acks).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${acks.at(-1)!.toFixed(1)} ms (Slack's limit 3000 ms); decisions finished when the last ack arrived: ${decidedAtLastAck}/${CLICKS}, after drain: ${decided}/${CLICKS}\n`);
