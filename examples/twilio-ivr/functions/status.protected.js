// The call's status callback (statusCallback on the number): records CallStatus and, at the
// end, CallDuration. It may arrive while a <Gather> action for the same call is running; both
// are compare-and-set updates, so one retries and neither update is lost.
exports.handler = async (context, event, callback) => {
  const ivr = require(Runtime.getFunctions().ivr.path);
  try {
    const state = await ivr.storeFor(context).updateCallState(event.CallSid, (s) => (s
      ? {
        ...s,
        callStatus: event.CallStatus,
        ...(event.CallDuration !== undefined && { callDuration: Number(event.CallDuration) }),
        lastUpdated: ivr.later(s),
      }
      : undefined)); // no state for this call: leave it absent (null would mean "delete")
    callback(null, { callSid: event.CallSid, stage: state?.stage ?? null, callStatus: state?.callStatus ?? null });
  } catch (err) {
    callback(err);
  }
};
