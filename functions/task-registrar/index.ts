// Task registrar: ECS Task State Change events (via SQS, or a raw EventBridge event) -> Route 53 SRV/A records.
import { createTaskRegistrar, loadConfig, Route53Backend, TaskStateStore } from '@ecs-sd/core';

const config = loadConfig();
const store = new TaskStateStore(config.stateTableName);
const backend = new Route53Backend({
  hostedZoneId: config.hostedZoneId,
  zoneName: config.zoneName,
  srvNameFormat: config.srvNameFormat,
  ttl: config.recordTtl,
  ownerId: config.ownerId,
  members: (name) => store.members(name),
});

export const handler = createTaskRegistrar({ config, store, backend });
