// The WATCH fallback run by hand, as the store runs it, for the tests that hold the core's
// decision to the real Lua (plan-vectors, plans-differential).

/**
 * Runs a planned step (`{command}`) by the WATCH fallback: WATCH and the core's reads for the
 * command (`fallbackReads`), its decision (`decide`), then what it says to send — UNWATCH, or
 * MULTI … EXEC, again from WATCH when EXEC answers nil (an EXEC reply holding an error fails it, as
 * in the store). `plan(op, args)` is the core's plan op,
 * parsed; `call(argv)` sends one command and resolves to its reply.
 */
export async function runWatch(plan, planned, call) {
  const step = JSON.stringify(planned.command);
  for (;;) {
    const reads = plan('fallbackReads', [step]);
    const replies = [];
    for (const argv of reads) replies.push(await call(argv));
    const next = plan('decide', [step, JSON.stringify(replies.slice(1))]);
    const sent = [];
    for (const argv of next.send) sent.push(await call(argv));
    const exec = sent[sent.length - 1];
    // As the store: an EXEC whose replies hold an error fails the step.
    if (next.step === 'exec' && Array.isArray(exec) && exec.some((r) => r instanceof Error)) throw new Error('EXEC failed');
    if (next.step === 'done' || exec != null) return next.reply;
  }
}
