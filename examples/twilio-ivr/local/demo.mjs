// `make demo`: one full call through the Twilio Functions IVR, printed as a transcript — per
// step the webhook(s) sent, the TwiML answered, the stored state and its TTL: a race with a
// status callback, Twilio retrying a <Gather> action (same token: nothing written, same TwiML),
// and the final status callback ending the call (TTL shortened to CALL_END_KEEP_SECONDS). Starts its own
// redis-server and twilio-run (loopback, free ports) and stops them; exits 0 only if the call
// ends in the expected state. Usage: node local/demo.mjs [work-dir]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, newCallSid, runtimeNotes } from './harness.mjs';
import { callSteps, playCall } from './call.mjs';

const workDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'callstate-demo-'));
const tty = process.stdout.isTTY;
const c = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s) => c(1, s);
const dim = (s) => c(2, s);
const ok = (s) => c(32, s);
const bad = (s) => c(31, s);

const t0 = Date.now();
const services = await startServices(workDir);
let failed = true;
const stopAll = async () => {
  await services.stop();
  if (!process.argv[2]) {
    if (failed) console.error(`logs kept in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
};
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(sig, async () => { await stopAll(); process.exit(code); });
try {
  const callSid = newCallSid();
  console.log(bold(`callstate demo: the seed's IVR as a Twilio Functions service`));
  console.log(dim(`twilio-run ${services.url} · redis-server 127.0.0.1:${services.redisPort} · call ${callSid}\n`));
  const steps = callSteps(callSid);
  let n = 0;
  let logAt = runtimeNotes(services.logPath).size;
  const results = await playCall(services.url, services.redis, callSid, steps, (step, r) => {
    n += 1;
    const { notes, size } = runtimeNotes(services.logPath, logAt);
    logAt = size;
    console.log(bold(`── ${n}. ${step.what}`));
    for (const res of r.responses) {
      const fields = Object.entries(res.params).filter(([k]) => ['Digits', 'SpeechResult', 'CallStatus', 'CallDuration'].includes(k));
      console.log(`   ${dim('POST')} ${res.path}  ${fields.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}  ${dim(`I-Twilio-Idempotency-Token: ${res.token}`)}  → ${res.status}`);
    }
    for (const res of r.responses) {
      if (res.type.includes('xml')) {
        console.log(`   ${dim('TwiML')}`);
        for (const line of prettyXml(res.body)) console.log(`     ${line}`);
      } else {
        console.log(`   ${dim(`${res.path} answered`)} ${res.body}`);
      }
    }
    for (const note of notes) console.log(`   ${dim('log')}   ${note}`);
    if (r.responses.length > 1 && notes.length === 0) console.log(`   ${dim('log')}   (no conflict this time: one webhook wrote before the other read)`);
    console.log(`   ${dim('state')} ${summary(r.state)}   ${dim('TTL')} ${r.ttl} s`);
    console.log(`   ${dim('redis')} ${dim(`GET ${r.key}`)} → ${r.value}`);
    console.log(r.problems.length ? bad(`   ✗ ${r.problems.join('; ')}`) : ok('   ✓ as expected'));
    console.log('');
  });
  failed = results.some((r) => r.problems.length > 0);
  const last = results.at(-1);
  console.log(failed
    ? bad(bold('✗ the call did not end as expected (see ✗ above)'))
    : ok(bold(`✓ call ended in ${last.state.stage} (action ${last.state.actionType}=${last.state.actionValue}: ${last.state.actionResult}, ` +
      `call ${last.state.callStatus}, kept ${last.ttl} s); the racing webhooks both landed, Twilio's retry wrote nothing. ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s`)));
} catch (e) {
  console.error(bad(`demo failed: ${e.stack ?? e}`));
} finally {
  await stopAll();
}
process.exit(failed ? 1 : 0);

/** One-line view of a state. */
function summary(s) {
  if (!s) return '(none)';
  const parts = [`${s.stage}`, `attempt ${s.attemptCount}`, `lang ${s.language}`];
  for (const k of ['clientId', 'jobNumber', 'actionType', 'actionValue', 'actionResult', 'callStatus']) {
    if (s[k] !== undefined) parts.push(`${k}=${s[k]}`);
  }
  if (s.jobData) parts.push(`job ${s.jobData.id} ${s.jobData.status}`);
  return parts.join(' · ');
}

/** TwiML, one element per line, indented (the helper library writes it on one line). */
function prettyXml(xml) {
  const lines = [];
  let depth = 0;
  for (const tok of xml.replace(/^<\?xml[^>]*\?>/, '').match(/<[^>]+>|[^<]+/g) ?? []) {
    if (tok.startsWith('</')) {
      depth -= 1;
      if (lines.length && !lines[lines.length - 1].closed && lines[lines.length - 1].open === tok.slice(2, -1)) {
        lines[lines.length - 1].text += tok;
        lines[lines.length - 1].closed = true;
        continue;
      }
      lines.push({ text: '  '.repeat(depth) + tok, closed: true });
    } else if (tok.startsWith('<')) {
      const selfClosing = tok.endsWith('/>');
      lines.push({ text: '  '.repeat(depth) + tok, open: tok.slice(1).split(/[\s>/]/)[0], closed: selfClosing });
      if (!selfClosing) depth += 1;
    } else {
      const last = lines[lines.length - 1];
      if (last && !last.closed) last.text += tok;
      else lines.push({ text: '  '.repeat(depth) + tok, closed: true });
    }
  }
  return lines.map((l) => l.text);
}
