// The WATCH fallback reads the step back from the EVALSHA argv (Scripted::from_command). Two argvs
// no plan writes were accepted and then run differently from the Lua (found by the fault-path
// audit of fc3e059): a body argument '' with a lastUpdated (the fallback SET the bare prefix
// `{"schemaVersion":3,"rev":N` where the script DELs), and an end with keep 0 (the script aborts on
// `SET … EX 0`; MULTI ran the rest and deleted the state without ending the call). Each must now
// be refused, or do what the script does. Run: REDIS_PORT=<port> node --test this file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cs, require } from './backend.mjs';
import { runWatch as watchRun } from './fallback.mjs';

const Redis = require('ioredis');
const { plan } = cs[Symbol.for('callstate.internals')];
const codec = new cs.CallStateCodec();
const P = (op, args) => JSON.parse(plan(codec, op, args));
const port = Number(process.env.REDIS_PORT);
const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
after(() => redis.quit());
const call = (argv) => redis.call(argv[0], ...argv.slice(1)).catch((e) => e);

const state = (sid) => JSON.stringify({
  callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z', language: 'es',
});

/** A planned save of `sid` over a stored state, its body argument emptied. */
async function emptiedSave(sid) {
  await redis.del(`call_state:${sid}`, `call_state:${sid}:ids`, `call_state:${sid}:end`);
  const seed = P('save', [sid, state(sid), 'w0']).command;
  assert.equal((await call(P('evalFallback', [JSON.stringify(seed)])))[0], 'OK');
  const cmd = P('save', [sid, state(sid), 'w1']).command;
  cmd[7] = '';
  return cmd;
}

test('an emptied body argument: the WATCH fallback does what the Lua does (DEL), or refuses', async () => {
  const lua = await emptiedSave('CAaudit1');
  const luaReply = await call(P('evalFallback', [JSON.stringify(lua)]));
  const luaStored = await redis.get('call_state:CAaudit1');

  const watch = await emptiedSave('CAaudit2');
  let watchReply;
  try { watchReply = await watchRun(P, { command: watch }, call); } catch (e) { watchReply = e; }
  const watchStored = await redis.get('call_state:CAaudit2');
  if (watchReply instanceof Error) return; // refused with an error: fine
  assert.deepEqual({ reply: watchReply[0], stored: watchStored }, { reply: luaReply[0], stored: luaStored });
});

test('an end argv with keep 0: the WATCH fallback leaves what the Lua leaves, or refuses', async () => {
  const out = {};
  for (const [how, sid] of [['lua', 'CAaudit3'], ['watch', 'CAaudit4']]) {
    const seed = P('save', [sid, state(sid), 'w0']).command;
    await redis.del(`call_state:${sid}`, `call_state:${sid}:ids`, `call_state:${sid}:end`);
    assert.equal((await call(P('evalFallback', [JSON.stringify(seed)])))[0], 'OK');
    const cmd = P('end', [sid, '60', 'w3']).command;
    cmd[9] = '0';
    if (how === 'lua') await call(P('evalFallback', [JSON.stringify(cmd)]));
    else {
      // As the store's watchRun: WATCH, reads, decide, MULTI … EXEC (an EXEC error element rejects).
      const step = JSON.stringify(cmd);
      let reads;
      try { reads = P('fallbackReads', [step]); } catch { return; } // refused: fine
      const replies = [];
      for (const argv of reads) replies.push(await call(argv));
      const next = P('decide', [step, JSON.stringify(replies.slice(1))]);
      for (const argv of next.send) await call(argv);
    }
    out[how] = { state: (await redis.get(`call_state:${sid}`)) != null, ended: await redis.exists(`call_state:${sid}:end`) };
  }
  assert.deepEqual(out.watch, out.lua);
});
