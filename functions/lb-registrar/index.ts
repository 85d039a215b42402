// LB registrar: CloudTrail records of ECS CreateService / UpdateService / DeleteService (EventBridge -> Lambda,
// asynchronous) -> `<service>.<zone>` CNAME (or alias A) to the service's load balancer.
// Transient failures throw, so Lambda retries the event and then hands it to the on-failure destination.
import { createLbRegistrar, LbStateStore, loadConfig, loadLbConfig } from '@ecs-sd/core';

const config = loadConfig();

export const handler = createLbRegistrar({
  config,
  lb: loadLbConfig(),
  store: new LbStateStore(config.stateTableName),
});
