// Health checker (scheduled): probes registered and pending task endpoints, deregisters unhealthy tasks through the
// registrar's writer, re-registers recovered ones, promotes tasks ECS reports HEALTHY, and stops unhealthy tasks
// within the brakes. Rules: @ecs-sd/core health/rules.
import { createHealthChecker, loadConfig, loadHealthConfig, zoneWriterFor, TaskStateStore } from '@ecs-sd/core';

const config = loadConfig();
const store = new TaskStateStore(config.stateTableName);
const backend = zoneWriterFor(config, (name, options) => store.members(name, options));

export const handler = createHealthChecker({ config, health: loadHealthConfig(), store, backend });
