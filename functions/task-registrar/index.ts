// Task registrar: ECS Task State Change events (via SQS, or a raw EventBridge event) -> Route 53 SRV/A records.
import { createTaskRegistrar, loadConfig, zoneWriterFor, TaskStateStore } from '@ecs-sd/core';

const config = loadConfig();
const store = new TaskStateStore(config.stateTableName);
const backend = zoneWriterFor(config, (name, options) => store.members(name, options));

export const handler = createTaskRegistrar({ config, store, backend });
