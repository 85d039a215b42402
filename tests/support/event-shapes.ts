// Reshapes real-shaped task events (ecs-scenario's taskStateChangeEvent) into the variants ECS sends that moto
// cannot produce: an ENI with an IPv6 address (dual-stack or IPv6-only subnets, attachment detail `ipv6Address`,
// container networkInterfaces `ipv6Address`), a bridge task RUNNING before its networkBindings are filled in, and
// a task ECS does not know. Pure helpers: each returns a new event.
import { randomUUID } from 'node:crypto';
import type { TaskStateChangeEvent } from './ecs-scenario';

const clone = (event: TaskStateChangeEvent): TaskStateChangeEvent =>
  ({ ...structuredClone(event), id: randomUUID() }) as TaskStateChangeEvent;

/** The ENI carries exactly these addresses (absent ones removed), in the attachment details and in every container. */
export function withEniAddresses(event: TaskStateChangeEvent, addresses: { ipv4?: string; ipv6?: string }): TaskStateChangeEvent {
  const out = clone(event);
  const eni = out.detail.attachments.find((a) => a.type === 'eni' || a.type === 'ElasticNetworkInterface');
  if (!eni) throw new Error('withEniAddresses needs an awsvpc task event');
  eni.details = eni.details.filter((d) => !['privateIPv4Address', 'privateDnsName', 'ipv6Address'].includes(d.name));
  if (addresses.ipv4 !== undefined) eni.details.push({ name: 'privateIPv4Address', value: addresses.ipv4 });
  if (addresses.ipv6 !== undefined) eni.details.push({ name: 'ipv6Address', value: addresses.ipv6 });
  for (const container of out.detail.containers) {
    container.networkInterfaces = [
      {
        attachmentId: eni.id,
        ...(addresses.ipv4 !== undefined ? { privateIpv4Address: addresses.ipv4 } : {}),
        ...(addresses.ipv6 !== undefined ? { ipv6Address: addresses.ipv6 } : {}),
      } as (typeof container.networkInterfaces)[number],
    ];
  }
  return out;
}

/** The same event before ECS filled in networkBindings: named containers (default: all) have none. */
export function withoutBindings(event: TaskStateChangeEvent, containers?: string[]): TaskStateChangeEvent {
  const out = clone(event);
  for (const container of out.detail.containers) {
    if (!containers || containers.includes(container.name)) delete container.networkBindings;
  }
  return out;
}

/** The event of another task (same definition and addresses) that ECS has never heard of. */
export function asUnknownTask(event: TaskStateChangeEvent, taskId: string): TaskStateChangeEvent {
  const out = clone(event);
  const oldArn = out.detail.taskArn;
  const oldId = oldArn.split('/').pop()!;
  const newArn = oldArn.slice(0, -oldId.length) + taskId;
  out.resources = [newArn];
  out.detail.taskArn = newArn;
  for (const container of out.detail.containers) {
    container.taskArn = newArn;
    container.containerArn = container.containerArn.replace(`/${oldId}/`, `/${taskId}/`);
  }
  return out;
}
