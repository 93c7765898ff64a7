// The call's status callback (statusCallback on the number): records CallStatus and, at the
// end, CallDuration. A status that is not final (`ringing`, `in-progress`) may arrive while a
// <Gather> action for the same call is running; both are compare-and-set updates, so one retries
// and neither update is lost. A final one (`completed`, `failed`, `busy`, `no-answer`,
// `canceled`) is recorded, then ends the call (`endCall`): the state stays readable for
// CALL_END_KEEP_SECONDS (default 300) and any later write — a late <Gather> action — is refused.
exports.handler = async (context, event, callback) => {
  const ivr = require(Runtime.getFunctions().ivr.path);
  const calls = ivr.storeFor(context);
  const callSid = event.CallSid;
  // A retry repeats the parameters: this status (and its SequenceNumber) of this call.
  const key = ivr.requestKey(event, `status:${event.CallStatus}:${event.SequenceNumber ?? ''}`);
  try {
    let state;
    try {
      state = await calls.updateCallState(callSid, (s) => (s
        ? {
          ...s,
          callStatus: event.CallStatus,
          ...(event.CallDuration !== undefined && { callDuration: Number(event.CallDuration) }),
          lastUpdated: ivr.later(s),
        }
        : undefined), { idempotencyKey: key }); // no state for this call: leave it absent (null would mean "delete")
    } catch (err) {
      if (!ivr.isCallEnded(err)) throw err;
      // A status callback after the final one (delivered late): the ended call is not revived.
      console.log(`callstate: status ${event.CallStatus} after the call ended: refused (${err.code})`);
      return callback(null, { callSid, refused: err.code, ended: true });
    }
    let keepSeconds = null;
    if (state && ivr.FINAL_STATUSES.has(event.CallStatus)) {
      keepSeconds = ivr.keepSeconds(context);
      await calls.endCall(callSid, { keepSeconds });
    }
    callback(null, {
      callSid, stage: state?.stage ?? null, callStatus: state?.callStatus ?? null, ended: keepSeconds !== null,
      ...(keepSeconds !== null && { keepSeconds }),
    });
  } catch (err) {
    callback(err);
  }
};
