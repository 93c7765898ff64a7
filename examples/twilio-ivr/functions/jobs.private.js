// THE JOB API GOES HERE. This file is a local fixture standing in for the job system a real
// IVR talks to (a REST API, Airtable, a database): replace `findClient`, `findJob` and
// `applyAction` with calls to it. Everything else in this service stays as it is.
// `.private.js`: Twilio Functions never serves it over HTTP; the others load it with
// `require(Runtime.getFunctions().jobs.path)`.

const CLIENTS = {
  1234: { name: 'Acme Plumbing' },
  5678: { name: 'Globex Electric' },
};

const JOBS = {
  1234: {
    456: {
      id: 'rec123abc', jobNumber: '456', status: 'IN_PROGRESS', address: '12 Calle Mayor',
      createdDate: '2024-03-01T08:00:00.000Z', scheduledDate: '2024-03-16T09:00:00.000Z',
    },
    789: { id: 'rec789xyz', jobNumber: '789', status: 'SCHEDULED', address: '3 Elm Street' },
  },
  5678: {
    100: { id: 'rec100def', jobNumber: '100', status: 'ON_HOLD', address: '9 Harbour Road' },
  },
};

/** The client with this id, or null. */
async function findClient(clientId) {
  return Object.hasOwn(CLIENTS, clientId) ? { id: clientId, ...CLIENTS[clientId] } : null;
}

/** The client's job with this number as a `JobRecord` (dates as `Date`s), or null. */
async function findJob(clientId, jobNumber) {
  const job = Object.hasOwn(JOBS, clientId) && Object.hasOwn(JOBS[clientId], jobNumber)
    ? JOBS[clientId][jobNumber] : null;
  if (!job) return null;
  const record = { ...job };
  for (const k of ['createdDate', 'updatedDate', 'scheduledDate']) {
    if (record[k] !== undefined) record[k] = new Date(record[k]);
  }
  return record;
}

/**
 * Carries out the caller's action on the job and returns the job's new status. A real API call
 * goes here; the fixture only answers what that call would (nothing is persisted).
 */
async function applyAction(job, actionType, actionValue) {
  if (actionType === 'UPDATE_STATUS') return { ok: true, status: actionValue };
  if (actionType === 'RESCHEDULE') return { ok: true, status: 'RESCHEDULED' };
  return { ok: false, status: job.status };
}

module.exports = { findClient, findJob, applyAction };
