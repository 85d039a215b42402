import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, isStopping, parseTaskEvent } from '@ecs-sd/core';

const dir = join(__dirname, '../../../../events/task-state-change');
const fixture = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

describe('parseTaskEvent', () => {
  it('parses every well-formed fixture in events/task-state-change', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('malformed'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(() => parseTaskEvent(fixture(file))).not.toThrow();
  });

  it('reads the awsvpc ENI address (attachment casing privateIPv4Address) and the service group', () => {
    const event = parseTaskEvent(fixture('awsvpc-fargate-running.json'));
    expect(event.eniAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(event.serviceName).toBe('web');
    expect(event.environmentOverrides).toBeDefined();
    expect(isStopping(event)).toBe(false);
  });

  it('treats desiredStatus STOPPED as stopping even while lastStatus is RUNNING', () => {
    const event = parseTaskEvent(fixture('awsvpc-fargate-stopping.json'));
    expect(event.lastStatus).toBe('RUNNING');
    expect(isStopping(event)).toBe(true);
  });

  it('rejects malformed events with the failing fields named', () => {
    expect(() => parseTaskEvent(fixture('malformed-missing-detail.json'))).toThrow(InvalidEventError);
    try {
      parseTaskEvent({ id: 'x', source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: { version: 'one' } });
    } catch (error) {
      expect((error as InvalidEventError).issues.join('\n')).toMatch(/detail\.taskArn/);
      expect((error as InvalidEventError).issues.join('\n')).toMatch(/detail\.version/);
    }
    expect(() => parseTaskEvent(null)).toThrow(InvalidEventError);
  });
});
