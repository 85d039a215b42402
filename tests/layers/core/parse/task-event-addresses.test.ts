// The addresses a task event carries: IPv4 and IPv6 ENI addresses (attachment details and container
// networkInterfaces), each validated as an IP literal of its family; invalid ones and malformed container instance
// ARNs are dropped and named in fieldWarnings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTaskEvent } from '@ecs-sd/core';

const dir = join(__dirname, '../../../../events/task-state-change');
const fixture = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

/** The running fixture with its ENI address fields replaced (undefined removes a field). */
function withAddresses(attachment: Record<string, string | undefined>, nic: Record<string, string | undefined> = attachment) {
  const event = fixture('awsvpc-fargate-running.json');
  const eni = event.detail.attachments[0];
  eni.details = eni.details.filter((d: { name: string }) => !['privateIPv4Address', 'ipv6Address'].includes(d.name));
  for (const [name, value] of Object.entries(attachment)) if (value !== undefined) eni.details.push({ name, value });
  const iface: Record<string, string> = { attachmentId: eni.id };
  const renamed: Record<string, string> = { privateIPv4Address: 'privateIpv4Address', ipv6Address: 'ipv6Address' };
  for (const [name, value] of Object.entries(nic)) if (value !== undefined) iface[renamed[name] ?? name] = value;
  event.detail.containers[0].networkInterfaces = [iface];
  return event;
}

describe('parseTaskEvent: ENI addresses', () => {
  it('reads the IPv6 address of an IPv6-only task and of a dual-stack task (fixtures)', () => {
    expect(parseTaskEvent(fixture('awsvpc-ipv6-only-running.json'))).toMatchObject({
      eniAddress: undefined,
      eniIpv6Address: '2600:1f18:4a3:6d01:5e1f:93b2:c07a:41d6',
    });
    const dual = parseTaskEvent(fixture('awsvpc-dual-stack-running.json'));
    expect([dual.eniAddress, dual.eniIpv6Address]).toEqual(['10.0.1.88', '2600:1f18:4a3:6d01:8f3c:2e47:a91b:d05e']);
    expect(dual.fieldWarnings).toBeUndefined();
  });

  it.each([
    {
      name: 'only the containers carry the addresses',
      attachment: {},
      nic: { privateIPv4Address: '10.0.1.9', ipv6Address: '2600:1f18::9' },
      expected: { eniAddress: '10.0.1.9', eniIpv6Address: '2600:1f18::9' },
      warned: [],
    },
    {
      name: 'an IPv4 field holding an IPv6 address, and the reverse',
      attachment: { privateIPv4Address: '2600:1f18::9', ipv6Address: '10.0.1.9' },
      nic: {},
      expected: { eniAddress: undefined, eniIpv6Address: undefined },
      warned: ['detail.attachments[eni].details.privateIPv4Address', 'detail.attachments[eni].details.ipv6Address'],
    },
    {
      name: 'an invalid attachment value falls back to a valid container value',
      attachment: { privateIPv4Address: '10.0.1.256' },
      nic: { privateIPv4Address: '10.0.1.25' },
      expected: { eniAddress: '10.0.1.25', eniIpv6Address: undefined },
      warned: ['detail.attachments[eni].details.privateIPv4Address'],
    },
    {
      name: 'a scoped (link-local with zone) IPv6 address cannot go into DNS',
      attachment: { ipv6Address: 'fe80::1%eth0' },
      nic: {},
      expected: { eniAddress: undefined, eniIpv6Address: undefined },
      warned: ['detail.attachments[eni].details.ipv6Address'],
    },
    {
      name: 'the same bad value in the attachment and the container is named once',
      attachment: { privateIPv4Address: 'ip-10-0-1-23' },
      nic: { privateIPv4Address: 'ip-10-0-1-23' },
      expected: { eniAddress: undefined, eniIpv6Address: undefined },
      warned: ['detail.attachments[eni].details.privateIPv4Address'],
    },
  ])('$name', ({ attachment, nic, expected, warned }) => {
    const event = parseTaskEvent(withAddresses(attachment, nic));
    expect({ eniAddress: event.eniAddress, eniIpv6Address: event.eniIpv6Address }).toEqual(expected);
    expect((event.fieldWarnings ?? []).map((w) => w.split(':')[0])).toEqual(warned);
  });

  it('drops a containerInstanceArn that is not an ECS container instance ARN, with a warning', () => {
    const event = fixture('bridge-ec2-running.json');
    expect(parseTaskEvent(event).containerInstanceArn).toMatch(/:container-instance\//);
    event.detail.containerInstanceArn = 'i-0123456789abcdef0';
    const parsed = parseTaskEvent(event);
    expect(parsed.containerInstanceArn).toBeUndefined();
    expect(parsed.fieldWarnings).toEqual([expect.stringMatching(/^detail\.containerInstanceArn: "i-0123456789abcdef0" is not/)]);
  });
});
