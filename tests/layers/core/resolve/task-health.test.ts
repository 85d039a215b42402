// ECS's task health rule (resolve/task-health): only essential containers (essential defaults to true) that define
// a health check gate a task; a non-essential sidecar's health never does.
import { containersAwaitingHealth, healthGatingContainers, taskHealth, type HealthGateDefinition } from '@ecs-sd/core';

const check = { command: ['CMD-SHELL', 'true'] };
const app: HealthGateDefinition = { name: 'app', essential: true, healthCheck: check };
const sidecar: HealthGateDefinition = { name: 'sidecar', essential: false, healthCheck: check };
const db: HealthGateDefinition = { name: 'db', essential: true, healthCheck: check };
const plain: HealthGateDefinition = { name: 'plain', essential: true };
const reported = (health: Record<string, string | undefined>) =>
  Object.entries(health).map(([name, healthStatus]) => ({ name, healthStatus }));

describe('taskHealth', () => {
  it.each([
    { case: 'essential HEALTHY, non-essential sidecar UNHEALTHY', defs: [app, sidecar], health: { app: 'HEALTHY', sidecar: 'UNHEALTHY' }, healthy: true, awaiting: [] },
    { case: 'essential HEALTHY, non-essential sidecar UNKNOWN', defs: [app, sidecar], health: { app: 'HEALTHY', sidecar: 'UNKNOWN' }, healthy: true, awaiting: [] },
    { case: 'essential HEALTHY, non-essential sidecar not reported', defs: [app, sidecar], health: { app: 'HEALTHY' }, healthy: true, awaiting: [] },
    { case: 'essential UNHEALTHY, sidecar HEALTHY', defs: [app, sidecar], health: { app: 'UNHEALTHY', sidecar: 'HEALTHY' }, healthy: false, awaiting: ['app'] },
    { case: 'essential UNKNOWN', defs: [app], health: { app: 'UNKNOWN' }, healthy: false, awaiting: ['app'] },
    { case: 'essential with no status yet', defs: [app], health: { app: undefined }, healthy: false, awaiting: ['app'] },
    { case: 'essential not listed by ECS', defs: [app], health: {}, healthy: false, awaiting: ['app'] },
    { case: 'essential flag absent (ECS default: essential), UNHEALTHY', defs: [{ name: 'app', healthCheck: check }], health: { app: 'UNHEALTHY' }, healthy: false, awaiting: ['app'] },
    { case: 'essential flag absent, HEALTHY', defs: [{ name: 'app', healthCheck: check }], health: { app: 'HEALTHY' }, healthy: true, awaiting: [] },
    { case: 'no health checks at all (ECS: task UNKNOWN, nothing to wait for)', defs: [plain, { name: 'log', essential: false }], health: { plain: 'UNKNOWN' }, healthy: true, awaiting: [] },
    { case: 'only the sidecar has a health check', defs: [plain, sidecar], health: { sidecar: 'UNHEALTHY' }, healthy: true, awaiting: [] },
    { case: 'two essential checks, one UNKNOWN', defs: [app, db, sidecar], health: { app: 'HEALTHY', db: 'UNKNOWN', sidecar: 'UNHEALTHY' }, healthy: false, awaiting: ['db'] },
    { case: 'an empty health check command is no health check', defs: [{ name: 'app', healthCheck: { command: [] } }], health: { app: 'UNKNOWN' }, healthy: true, awaiting: [] },
  ])('$case -> healthy $healthy', ({ defs, health, healthy, awaiting }) => {
    expect(taskHealth(defs, reported(health))).toMatchObject({ healthy, awaiting });
  });

  it('gating lists the essential containers with a health check, in definition order', () => {
    expect(healthGatingContainers([sidecar, db, plain, app, { name: 'x', essential: undefined, healthCheck: check }])).toEqual(['db', 'app', 'x']);
    expect(taskHealth([app, sidecar, db], reported({ app: 'UNKNOWN' })).gating).toEqual(['app', 'db']);
  });

  it('containersAwaitingHealth checks a stored gate against what ECS reports now', () => {
    expect(containersAwaitingHealth(['app', 'db'], reported({ app: 'HEALTHY', db: 'HEALTHY', sidecar: 'UNHEALTHY' }))).toEqual([]);
    expect(containersAwaitingHealth(['app', 'db'], reported({ app: 'UNHEALTHY', db: 'HEALTHY' }))).toEqual(['app']);
    expect(containersAwaitingHealth([], reported({ sidecar: 'UNHEALTHY' }))).toEqual([]);
  });
});
