// The <Gather> action of every prompt: one IVR step per caller input (Digits or SpeechResult).
// `.protected.js`: in production Twilio only accepts requests signed by Twilio.
exports.handler = async (context, event, callback) => {
  const ivr = require(Runtime.getFunctions().ivr.path);
  try {
    callback(null, await ivr.answer(context, event));
  } catch (err) {
    callback(err);
  }
};
