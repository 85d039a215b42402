// Reconciler (scheduled): ECS is the truth. Repairs missed starts and stops and owned records no state explains,
// through the registrar's processor and writer; never touches records it does not own.
import { createReconciler, listAllRecordSets, loadConfig, zoneWriterFor, TaskStateStore } from '@ecs-sd/core';

const config = loadConfig();
const store = new TaskStateStore(config.stateTableName);
const backend = zoneWriterFor(config, (name, options) => store.members(name, options));

export const handler = createReconciler({
  config,
  store,
  backend,
  listRecords: (deadline) => listAllRecordSets(config.hostedZoneId, { deadline }),
});
