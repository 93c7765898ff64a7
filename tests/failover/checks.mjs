// Deterministic `durability` checks on the cluster, one client kind at a time, before the failover
// cells (no load, no failover): the replica of one master is frozen (SIGSTOP), so nothing can
// acknowledge that master's writes, and
//   routing    updates of a call on the frozen shard must all reject (`WAIT: 0 of 1`), and updates of a
//              call on a healthy shard must all resolve: the WAIT went to the master that ran the
//              write, on the connection that sent it (sent to another node, or to every node, it
//              would pass where it must fail, or fail where it must pass).
//   duplicate  a second store on another client repeats an update (same idempotencyKey) that the
//              first store wrote and whose WAIT failed: the write id is found applied ("duplicate"),
//              and SPEC §7 says it is acknowledged only after the same WAIT — which must fail too,
//              since the replica still has not got the write.
import { sleep, makeClient, loadPackage } from './workload.mjs';

const slotOf = async (c, key) => Number(await c.ccli('CLUSTER', 'KEYSLOT', key));

/** A call SID whose slot is served by master `m` ({ slots: [[a, b], …] }). */
async function sidOn(c, codec, m, salt) {
  for (let i = 0; i < 10_000; i++) {
    const sid = `CAchk${salt}${i}`;
    const slot = await slotOf(c, codec.generateStateKey(sid));
    if (m.slots.some(([a, b]) => slot >= a && slot <= b)) return sid;
  }
  throw new Error('no call SID found on the shard');
}

export async function durabilityChecks(kind, c, { timeoutMs = 3000, waitMs = 200, rounds = 8 } = {}) {
  const { CallStateCodec, createCallStateStore } = loadPackage();
  const codec = new CallStateCodec({ hashTag: true });
  const opts = { codec, onRedisError: 'throw', timeoutMs, durability: { replicas: 1, timeoutMs: waitMs } };
  const [a, b] = [await makeClient(kind, c), await makeClient(kind, c)];
  const [s1, s2] = [createCallStateStore(a.client, opts), createCallStateStore(b.client, opts)];
  const masters = (await c.masters()).filter((m) => m.slots.length).sort((x, y) => x.slots[0][0] - y.slots[0][0]);
  const [frozen, healthy] = masters;
  const replica = c.nodes.find((n) => n.port === frozen.replicas[0]).proc;
  const sa = await sidOn(c, codec, frozen, `${kind[0]}a`);
  const sb = await sidOn(c, codec, healthy, `${kind[0]}b`);
  const seed = (sid) => ({ callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date(), language: 'es', tokens: [] });
  for (const sid of [sa, sb]) {
    for (let i = 0; ; i++) {
      try { await s1.saveCallState(sid, seed(sid)); break; } catch (e) { if (i > 50) throw e; await sleep(100); }
    }
  }
  await s2.getCallState(sa); // the second client's connection to that master exists (and has written nothing)
  const add = (t) => (s) => ({ ...s, tokens: [...s.tokens, t], lastUpdated: new Date() });
  const out = { frozenResolved: 0, healthyRejected: 0, rounds, duplicate: null, failures: [] };
  replica.kill('SIGSTOP');
  try {
    await sleep(50);
    for (let i = 0; i < rounds; i++) {
      await s1.updateCallState(sa, add(`f${i}`)).then(() => { out.frozenResolved++; }, () => {});
      await s1.updateCallState(sb, add(`h${i}`)).catch((e) => { out.healthyRejected++; out.healthyError = e.message; });
    }
    const first = await s1.updateCallState(sa, add('dup'), { idempotencyKey: 'K-dup' }).then(() => 'resolved', (e) => `rejected (${e.message})`);
    out.duplicate = await s2.updateCallState(sa, add('dup'), { idempotencyKey: 'K-dup' })
      .then((s) => `RESOLVED, replica frozen (first: ${first})`, (e) => `rejected ${e.code} (first: ${first})`);
  } finally {
    replica.kill('SIGCONT');
  }
  if (out.frozenResolved) out.failures.push(`routing: ${out.frozenResolved} of ${rounds} updates on a master whose only replica is frozen resolved with durability {replicas:1} (WAIT not sent to the master that ran the write)`);
  if (out.healthyRejected) out.failures.push(`routing: ${out.healthyRejected} of ${rounds} updates on a healthy shard rejected (${out.healthyError})`);
  if (out.duplicate.startsWith('RESOLVED')) out.failures.push(`duplicate: an update found already applied was acknowledged by a WAIT that covers nothing: ${out.duplicate}`);
  await Promise.all([s1.close(), s2.close()]);
  a.close(); b.close();
  await c.waitOk(30_000);
  return out;
}
