// An HTTP proxy in front of moto's Route 53 that adds the ChangeResourceRecordSets rules moto lacks, answers with
// the error shapes the AWS SDK v3 parses, injects throttling-style faults on demand, and records every call.
//
//   const guard = await startRoute53Guard({ upstream: motoUrl() });
//   const route53 = new Route53Client({ endpoint: guard.url });   // or AWS_ENDPOINT_URL_ROUTE_53 = guard.url
//
// Route 53 is REST-XML: ChangeResourceRecordSets = POST /2013-04-01/hostedzone/{Id}/rrset(/),
// ListResourceRecordSets = GET /2013-04-01/hostedzone/{Id}/rrset. Every other request is forwarded untouched.
//
// ChangeResourceRecordSets is judged here, as one atomic batch against the zone's current state (read from moto):
//   - more than 1,000 ResourceRecord elements or 32,000 Value characters per request (UPSERT counts twice);
//   - more than 400 values in one record set;
//   - two changes to the same record set (lower-cased name with trailing dot, type, SetIdentifier) in one batch,
//     except AWS's documented replace pattern: a DELETE followed by a CREATE of that set;
//   - CREATE of an existing set ("... but it already exists"; moto only catches a byte-identical re-CREATE);
//   - DELETE of a missing set ("... but it was not found") or with other values ("... but the values provided do
//     not match the current values"); moto answers both as InvalidInput and compares values in order;
//   - a CNAME beside any other type at one name (the apex included), judged on the zone state after the batch;
//   - a name outside the zone;
//   - a record name with a label over 63 octets or over 255 octets in wire format (RFC 1035 section 2.3.4; Route 53
//     answers "FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '<label>'").
// A valid batch is then applied to moto with UPSERT/DELETE requests that work around moto's bugs (a DELETE with a
// SetIdentifier removes every set in the zone carrying that identifier; DELETE is checked against moto's change
// journal rather than the current values), and the guard answers like Route 53 (ChangeInfo, Status PENDING).
//
// ListResourceRecordSets is also answered here from moto's full listing, with Route 53's ordering and paging
// (at most 300 per page, NextRecordName/Type/Identifier): moto pages without NextRecordIdentifier and restarts a
// page at the first set of a name+type, repeating sets that share a name and type.
//
// InvalidChangeBatch is sent in the <ErrorResponse><Error><Code>InvalidChangeBatch</Code>... form by default:
// Route 53 also sends <InvalidChangeBatch><Messages><Message>..., which the JS SDK v3 (3.1169) cannot map: it
// surfaces as name "Unknown", message "UnknownError", with the messages only in err.Messages.Message. Choose that
// form with { invalidChangeBatchForm: 'InvalidChangeBatch' } to test code against it.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseXML } from '@aws-sdk/xml-builder';
import { httpCall, type HttpResult } from './moto';

const NS = 'https://route53.amazonaws.com/doc/2013-04-01/';
const API = '/2013-04-01';
/** moto picks the backend from the SigV4 credential scope; the guard's own calls must name route53. */
const MOTO_AUTH = 'AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0';

export const ROUTE53_LIMITS = {
  maxResourceRecordsPerRequest: 1000,
  maxValueCharactersPerRequest: 32000,
  maxValuesPerRecordSet: 400,
  maxItemsPerListPage: 300,
  maxLabelOctets: 63,
  maxNameOctets: 255,
} as const;

/** Route 53's answer to a record name over the RFC 1035 size limits, or undefined when the name fits. */
function nameTooLong(lname: string): string | undefined {
  const labels = lname.replace(/\.$/, '').split('.');
  const label = labels.find((l) => l.length > ROUTE53_LIMITS.maxLabelOctets);
  if (label) return `FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '${label}'`;
  const octets = labels.reduce((n, l) => n + 1 + l.length, 1);
  if (octets > ROUTE53_LIMITS.maxNameOctets) return `FATAL problem: DomainNameTooLong (Domain name is too long) encountered with '${lname}'`;
  return undefined;
}

export type FaultCode = 'Throttling' | 'PriorRequestNotComplete' | 'ServiceUnavailable';
export type FaultOperation = 'ChangeResourceRecordSets' | 'ListResourceRecordSets' | '*' | (string & {});

export interface FaultSpec {
  /** an operation name (see GuardCall.operation) or '*' for every request */
  operation: FaultOperation;
  code: FaultCode;
  /** how many matching requests get the fault (each SDK retry attempt is a request) */
  times: number;
  message?: string;
}

export interface GuardCall {
  operation: string;
  hostedZoneId?: string;
  method: string;
  path: string;
  /** request body as received (the XML change batch for ChangeResourceRecordSets) */
  body: string;
  /** HTTP status returned to the client */
  status: number;
  errorCode?: string;
  errorMessage?: string;
  /** true when the answer came from injectFault */
  injected?: boolean;
}

export type InvalidChangeBatchForm = 'ErrorResponse' | 'InvalidChangeBatch';

export interface Route53GuardOptions {
  /** moto's base URL, e.g. motoUrl() */
  upstream: string;
  invalidChangeBatchForm?: InvalidChangeBatchForm;
}

export interface Route53Guard {
  /** base URL to use as the Route 53 endpoint */
  readonly url: string;
  /** every request in arrival order (live array; resetCalls() empties it in place) */
  readonly calls: GuardCall[];
  /** shape of InvalidChangeBatch answers; may be changed at any time */
  invalidChangeBatchForm: InvalidChangeBatchForm;
  injectFault(fault: FaultSpec): void;
  clearFaults(): void;
  /** number of recorded calls of one operation ('*' or no argument: all calls) */
  count(operation?: string): number;
  resetCalls(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// XML helpers (parsing with the SDK's own parser, @aws-sdk/xml-builder, which the SDK uses for Route 53 responses)

type XmlValue = string | XmlObject | XmlValue[];
interface XmlObject {
  [key: string]: XmlValue;
}

const asArray = <T>(value: T | T[] | undefined | ''): T[] =>
  value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value];

const textOf = (value: XmlValue | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

const isObject = (value: XmlValue | undefined): value is XmlObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function toXml(name: string, value: XmlValue): string {
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join('');
  if (isObject(value)) {
    const inner = Object.entries(value)
      .filter(([key]) => key !== 'xmlns')
      .map(([key, v]) => toXml(key, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(value)}</${name}>`;
}

const xmlDocument = (root: string, inner: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`;

// ---------------------------------------------------------------------------------------------------------------
// Record sets

interface RecordSet {
  raw: XmlObject;
  /** name as given (moto keeps the case it was created with) */
  name: string;
  /** lower-cased, with trailing dot */
  lname: string;
  type: string;
  setId?: string;
  values: string[];
}

export const normalizeRecordName = (name: string): string => {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
};

function toRecordSet(raw: XmlValue | undefined): RecordSet | undefined {
  if (!isObject(raw)) return undefined;
  const name = textOf(raw.Name);
  const type = textOf(raw.Type);
  if (!name || !type) return undefined;
  const records = isObject(raw.ResourceRecords) ? asArray(raw.ResourceRecords.ResourceRecord) : [];
  const values = records.map((r) => (isObject(r) ? (textOf(r.Value) ?? '') : ''));
  return { raw, name, lname: normalizeRecordName(name), type, setId: textOf(raw.SetIdentifier), values };
}

const keyOf = (s: Pick<RecordSet, 'lname' | 'type' | 'setId'>): string => `${s.lname}\u0000${s.type}\u0000${s.setId ?? ''}`;

const describeSet = (s: RecordSet): string =>
  `[name='${s.lname}', type='${s.type}'${s.setId !== undefined ? `, set-identifier='${s.setId}'` : ''}]`;

function canonicalXml(value: XmlValue): unknown {
  if (Array.isArray(value)) return value.map(canonicalXml);
  if (isObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => k !== 'xmlns')
        .sort()
        .map((k) => [k, canonicalXml(value[k])]),
    );
  }
  return value;
}

/** Everything a DELETE must match, in a comparable form (values as a set, alias DNS name case-insensitive). */
function canonical(set: RecordSet): string {
  const out: Record<string, unknown> = {};
  // the routing fields moto keeps (it drops e.g. CidrRoutingConfig, so those cannot be compared)
  for (const key of ['Weight', 'Region', 'HealthCheckId', 'Failover', 'GeoLocation', 'MultiValueAnswer']) {
    const value = set.raw[key];
    if (value === undefined) continue;
    if (key === 'MultiValueAnswer') {
      if (textOf(value) === 'true') out[key] = 'true';
      continue;
    }
    if (key === 'Weight') {
      out[key] = String(Number(textOf(value)));
      continue;
    }
    out[key] = canonicalXml(value);
  }
  const alias = set.raw.AliasTarget;
  if (isObject(alias)) {
    out.AliasTarget = {
      HostedZoneId: textOf(alias.HostedZoneId),
      DNSName: normalizeRecordName(textOf(alias.DNSName) ?? ''),
      EvaluateTargetHealth: (textOf(alias.EvaluateTargetHealth) ?? 'false').toLowerCase(),
    };
  } else {
    const ttl = textOf(set.raw.TTL);
    if (ttl !== undefined) out.TTL = String(Number(ttl));
    out.values = [...set.values].sort();
  }
  return JSON.stringify(Object.keys(out).sort().map((k) => [k, out[k]]));
}

/** The record set as it should be sent to moto or returned to a client. */
function cleanRaw(set: RecordSet, name = set.name): XmlObject {
  const raw: XmlObject = { ...set.raw, Name: name };
  delete raw.xmlns;
  if (raw.AliasTarget !== undefined) delete raw.TTL; // moto lists alias sets with TTL 0; Route 53 gives none
  if (set.type === 'SOA' && isObject(raw.ResourceRecords)) {
    // moto lists the SOA value as "{'Value': '...'}"
    const fixed = set.values.map((v) => ({ Value: /^\{'Value': '(.*)'\}$/.exec(v)?.[1] ?? v }));
    raw.ResourceRecords = { ResourceRecord: fixed };
  }
  return raw;
}

const reversedLabels = (lname: string): string[] => lname.replace(/\.$/, '').split('.').reverse();

function compareLabels(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

const compareStrings = (a: string, b: string): number => (a === b ? 0 : a < b ? -1 : 1);

/** Route 53's ListResourceRecordSets order: name with labels reversed, then type, then set identifier. */
function comparePosition(
  a: { lname: string; type: string; setId?: string },
  b: { lname: string; type: string; setId?: string },
): number {
  return (
    compareLabels(reversedLabels(a.lname), reversedLabels(b.lname)) ||
    compareStrings(a.type, b.type) ||
    compareStrings(a.setId ?? '', b.setId ?? '')
  );
}

export interface ParsedChange {
  action: string;
  name: string;
  type: string;
  setIdentifier?: string;
  ttl?: number;
  values: string[];
}

/** The changes of a recorded ChangeResourceRecordSets body (GuardCall.body), for assertions. */
export function parseChangeBatch(body: string): ParsedChange[] {
  const parsed = parseXML(body) as XmlObject;
  const root = parsed.ChangeResourceRecordSetsRequest;
  const batch = isObject(root) ? root.ChangeBatch : undefined;
  const changes = isObject(batch) && isObject(batch.Changes) ? asArray(batch.Changes.Change) : [];
  return changes.flatMap((c) => {
    const set = isObject(c) ? toRecordSet(c.ResourceRecordSet) : undefined;
    if (!set || !isObject(c)) return [];
    const ttl = textOf(set.raw.TTL);
    return [
      {
        action: textOf(c.Action) ?? '',
        name: set.name,
        type: set.type,
        ...(set.setId !== undefined ? { setIdentifier: set.setId } : {}),
        ...(ttl !== undefined ? { ttl: Number(ttl) } : {}),
        values: set.values,
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and answers

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  errorCode?: string;
  errorMessage?: string;
  injected?: boolean;
}

const requestId = (): string => randomUUID();

function errorResponse(status: number, code: string, message: string, type = 'Sender'): Reply {
  const id = requestId();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
    body: xmlDocument(
      'ErrorResponse',
      `<Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
        `<RequestId>${id}</RequestId>`,
    ),
    errorCode: code,
    errorMessage: message,
  };
}

function invalidChangeBatch(messages: string[], form: InvalidChangeBatchForm): Reply {
  if (form === 'ErrorResponse') return errorResponse(400, 'InvalidChangeBatch', messages.join(', '));
  const id = requestId();
  return {
    status: 400,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
    body: xmlDocument(
      'InvalidChangeBatch',
      `<Messages>${messages.map((m) => `<Message>${escapeXml(m)}</Message>`).join('')}</Messages>` +
        `<RequestId>${id}</RequestId>`,
    ),
    errorCode: 'InvalidChangeBatch',
    errorMessage: messages.join(', '),
  };
}

const FAULTS: Record<FaultCode, { status: number; type: string; message: string }> = {
  Throttling: { status: 400, type: 'Sender', message: 'Rate exceeded' },
  PriorRequestNotComplete: {
    status: 400,
    type: 'Sender',
    message: 'The request was rejected because Route 53 was still processing a prior request.',
  },
  ServiceUnavailable: { status: 503, type: 'Receiver', message: 'Service Unavailable' },
};

function errorDetails(body: string): { code?: string; message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? (/<InvalidChangeBatch[\s>]/.test(body) ? 'InvalidChangeBatch' : undefined);
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return { code, message };
}

function fromUpstream(res: HttpResult): Reply {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(res.headers)) {
    if (value === undefined || ['content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(key)) continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const reply: Reply = { status: res.status, headers, body: res.body };
  if (res.status >= 300) {
    const { code, message } = errorDetails(res.body);
    reply.errorCode = code;
    reply.errorMessage = message;
  }
  return reply;
}

interface Route {
  operation: string;
  hostedZoneId?: string;
}

function routeOf(method: string, pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset$/.exec(path))) {
    const hostedZoneId = decodeURIComponent(m[1]);
    if (method === 'POST') return { operation: 'ChangeResourceRecordSets', hostedZoneId };
    if (method === 'GET') return { operation: 'ListResourceRecordSets', hostedZoneId };
  }
  if ((m = /^\/2013-04-01\/hostedzone\/([^/]+)\/(associatevpc|disassociatevpc)$/.exec(path))) {
    const operation = m[2] === 'associatevpc' ? 'AssociateVPCWithHostedZone' : 'DisassociateVPCFromHostedZone';
    return { operation, hostedZoneId: decodeURIComponent(m[1]) };
  }
  if ((m = /^\/2013-04-01\/hostedzone\/([^/]+)$/.exec(path))) {
    const hostedZoneId = decodeURIComponent(m[1]);
    if (method === 'GET') return { operation: 'GetHostedZone', hostedZoneId };
    if (method === 'DELETE') return { operation: 'DeleteHostedZone', hostedZoneId };
    if (method === 'POST') return { operation: 'UpdateHostedZoneComment', hostedZoneId };
  }
  if (path === '/2013-04-01/hostedzone') return { operation: method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones' };
  if (path === '/2013-04-01/hostedzonesbyname') return { operation: 'ListHostedZonesByName' };
  if (path === '/2013-04-01/hostedzonesbyvpc') return { operation: 'ListHostedZonesByVPC' };
  if (path.startsWith('/2013-04-01/change/')) return { operation: 'GetChange' };
  return { operation: 'Unknown' };
}

// ---------------------------------------------------------------------------------------------------------------

export async function startRoute53Guard(options: Route53GuardOptions): Promise<Route53Guard> {
  const upstream = options.upstream.replace(/\/+$/, '');
  const calls: GuardCall[] = [];
  const faults: Array<FaultSpec & { remaining: number }> = [];
  const zoneLocks = new Map<string, Promise<void>>();

  /** Serializes the read-judge-apply sequence per hosted zone, as Route 53 applies one batch at a time. */
  async function withZoneLock<T>(zoneId: string, fn: () => Promise<T>): Promise<T> {
    const previous = zoneLocks.get(zoneId) ?? Promise.resolve();
    let release!: () => void;
    const current = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    zoneLocks.set(zoneId, current);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (zoneLocks.get(zoneId) === current) zoneLocks.delete(zoneId);
    }
  }

  function internalHeaders(incoming: IncomingHttpHeaders, withBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { authorization: MOTO_AUTH };
    if (withBody) headers['content-type'] = 'application/xml';
    const account = incoming['x-moto-account-id'];
    if (typeof account === 'string') headers['x-moto-account-id'] = account;
    return headers;
  }

  async function motoGet(path: string, incoming: IncomingHttpHeaders): Promise<HttpResult> {
    return httpCall(`${upstream}${path}`, { headers: internalHeaders(incoming, false) });
  }

  async function motoChanges(
    zoneId: string,
    changes: Array<{ action: 'UPSERT' | 'DELETE'; raw: XmlObject }>,
    incoming: IncomingHttpHeaders,
  ): Promise<HttpResult | undefined> {
    // moto applies its 1,000-record quota (UPSERT counted twice) to each request: send in chunks
    const chunks: (typeof changes)[] = [];
    let chunk: typeof changes = [];
    let weight = 0;
    for (const change of changes) {
      const records = isObject(change.raw.ResourceRecords) ? asArray(change.raw.ResourceRecords.ResourceRecord).length : 0;
      const w = records * (change.action === 'UPSERT' ? 2 : 1);
      if (chunk.length && weight + w > ROUTE53_LIMITS.maxResourceRecordsPerRequest) {
        chunks.push(chunk);
        chunk = [];
        weight = 0;
      }
      chunk.push(change);
      weight += w;
    }
    if (chunk.length) chunks.push(chunk);
    for (const part of chunks) {
      const body = xmlDocument(
        'ChangeResourceRecordSetsRequest',
        `<ChangeBatch><Changes>${part
          .map((c) => `<Change><Action>${c.action}</Action>${toXml('ResourceRecordSet', c.raw)}</Change>`)
          .join('')}</Changes></ChangeBatch>`,
      );
      const res = await httpCall(`${upstream}${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset`, {
        method: 'POST',
        headers: internalHeaders(incoming, true),
        body,
      });
      if (res.status >= 300) return res;
    }
    return undefined;
  }

  /** The zone's record sets, all of them, straight from moto. */
  async function readZone(
    zoneId: string,
    incoming: IncomingHttpHeaders,
  ): Promise<{ ok: true; sets: RecordSet[]; zoneName: string } | { ok: false; res: HttpResult }> {
    const res = await motoGet(`${API}/hostedzone/${encodeURIComponent(zoneId)}/rrset?maxitems=1000000`, incoming);
    if (res.status !== 200) return { ok: false, res };
    const parsed = parseXML(res.body) as XmlObject;
    const root = parsed.ListResourceRecordSetsResponse;
    const list = isObject(root) && isObject(root.ResourceRecordSets) ? asArray(root.ResourceRecordSets.ResourceRecordSet) : [];
    const sets = list.map(toRecordSet).filter((s): s is RecordSet => s !== undefined);
    let zoneName = sets.find((s) => s.type === 'SOA')?.lname;
    if (!zoneName) {
      const zone = await motoGet(`${API}/hostedzone/${encodeURIComponent(zoneId)}`, incoming);
      const name = /<Name>([^<]*)<\/Name>/.exec(zone.body)?.[1];
      zoneName = normalizeRecordName(name ?? '');
    }
    return { ok: true, sets, zoneName };
  }

  async function forward(req: IncomingMessage, body: Buffer): Promise<Reply> {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || ['host', 'connection', 'keep-alive'].includes(key)) continue;
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const res = await httpCall(`${upstream}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: body.length ? body : undefined,
    });
    return fromUpstream(res);
  }

  async function handleChange(zoneId: string, req: IncomingMessage, body: Buffer): Promise<Reply> {
    let parsed: XmlObject;
    try {
      parsed = parseXML(body.toString('utf8')) as XmlObject;
    } catch {
      return forward(req, body); // let moto describe the malformed request
    }
    const root = parsed.ChangeResourceRecordSetsRequest;
    const batch = isObject(root) ? root.ChangeBatch : undefined;
    const rawChanges = isObject(batch) && isObject(batch.Changes) ? asArray(batch.Changes.Change) : [];
    const changes = rawChanges.map((c) => ({
      action: isObject(c) ? textOf(c.Action) : undefined,
      set: isObject(c) ? toRecordSet(c.ResourceRecordSet) : undefined,
    }));
    if (
      !changes.length ||
      changes.some((c) => !c.set || !['CREATE', 'DELETE', 'UPSERT'].includes(c.action ?? ''))
    ) {
      return forward(req, body); // moto's own validation errors
    }
    const batchChanges = changes as Array<{ action: 'CREATE' | 'DELETE' | 'UPSERT'; set: RecordSet }>;
    const comment = isObject(batch) ? textOf(batch.Comment) : undefined;
    const form = guard.invalidChangeBatchForm;

    // request-wide quotas
    let records = 0;
    let characters = 0;
    for (const { action, set } of batchChanges) {
      const factor = action === 'UPSERT' ? 2 : 1;
      records += factor * set.values.length;
      characters += factor * set.values.reduce((n, v) => n + v.length, 0);
    }
    if (records > ROUTE53_LIMITS.maxResourceRecordsPerRequest) {
      return invalidChangeBatch([`Number of records limit of ${ROUTE53_LIMITS.maxResourceRecordsPerRequest} exceeded.`], form);
    }
    if (characters > ROUTE53_LIMITS.maxValueCharactersPerRequest) {
      return invalidChangeBatch([`RDATA character limit of ${ROUTE53_LIMITS.maxValueCharactersPerRequest} exceeded.`], form);
    }
    const tooBig = batchChanges.filter(
      (c) => c.action !== 'DELETE' && c.set.values.length > ROUTE53_LIMITS.maxValuesPerRecordSet,
    );
    if (tooBig.length) {
      return invalidChangeBatch(
        tooBig.map(() => `Cannot have more than ${ROUTE53_LIMITS.maxValuesPerRecordSet} records in a RRSet.`),
        form,
      );
    }

    const badNames = batchChanges.flatMap((c) => nameTooLong(c.set.lname) ?? []);
    if (badNames.length) return invalidChangeBatch(badNames, form);

    return withZoneLock(zoneId, async () => {
      const zone = await readZone(zoneId, req.headers);
      if (!zone.ok) return fromUpstream(zone.res); // e.g. NoSuchHostedZone
      const { zoneName } = zone;
      const messages: string[] = [];

      // two changes to one record set (DELETE then CREATE is Route 53's documented replace)
      const history = new Map<string, string[]>();
      const duplicated = new Set<string>();
      for (const { action, set } of batchChanges) {
        const key = keyOf(set);
        const seen = history.get(key) ?? [];
        const replace = seen.length === 1 && seen[0] === 'DELETE' && action === 'CREATE';
        if (seen.length && !replace && !duplicated.has(key)) {
          duplicated.add(key);
          messages.push(`The request contains an invalid set of changes for a resource record set '${set.type} ${set.lname}'`);
        }
        history.set(key, [...seen, action]);
      }

      // the batch against the current state, in order
      const before = new Map(zone.sets.map((s) => [keyOf(s), s] as const));
      const after = new Map(before);
      const touched = new Set<string>();
      for (const { action, set } of batchChanges) {
        const key = keyOf(set);
        if (duplicated.has(key)) continue;
        if (set.lname !== zoneName && !set.lname.endsWith(`.${zoneName}`)) {
          messages.push(`RRSet with DNS name ${set.lname} is not permitted in zone ${zoneName}`);
          continue;
        }
        const current = after.get(key);
        if (action === 'CREATE') {
          if (current) messages.push(`Tried to create resource record set ${describeSet(set)} but it already exists`);
          else after.set(key, set);
        } else if (action === 'DELETE') {
          if (!current) messages.push(`Tried to delete resource record set ${describeSet(set)} but it was not found`);
          else if (canonical(current) !== canonical(set)) {
            messages.push(
              `Tried to delete resource record set ${describeSet(set)} but the values provided do not match the current values`,
            );
          } else after.delete(key);
        } else {
          after.set(key, set);
        }
        touched.add(key);
      }

      // CNAME beside another type at one name, on the state after the batch
      const byName = new Map<string, RecordSet[]>();
      for (const set of after.values()) byName.set(set.lname, [...(byName.get(set.lname) ?? []), set]);
      for (const [lname, sets] of byName) {
        const types = new Set(sets.map((s) => s.type));
        if (!types.has('CNAME') || types.size === 1) continue;
        const added = batchChanges.filter((c) => c.set.lname === lname && c.action !== 'DELETE' && !duplicated.has(keyOf(c.set)));
        if (!added.length) continue;
        if (!added.some((c) => c.set.type === 'CNAME')) {
          messages.push(
            `RRSet of type ${added[0].set.type} with DNS name ${lname} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${zoneName}`,
          );
        } else if (lname === zoneName) {
          messages.push(`RRSet of type CNAME with DNS name ${lname} is not permitted at apex in zone ${zoneName}`);
        } else {
          messages.push(
            `RRSet of type CNAME with DNS name ${lname} is not permitted as it conflicts with other records with the same DNS name in zone ${zoneName}`,
          );
        }
      }

      if (messages.length) return invalidChangeBatch(messages, form);

      const failure = await apply(zoneId, before, after, touched, req.headers);
      if (failure) return rewriteMotoFailure(failure, form);
      const submittedAt = new Date().toISOString().replace(/\.\d{3}Z$/, '.000Z');
      const changeId = `C${randomBytes(10).toString('hex').toUpperCase()}`;
      const id = requestId();
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': id },
        body: xmlDocument(
          'ChangeResourceRecordSetsResponse',
          `<ChangeInfo><Id>/change/${changeId}</Id><Status>PENDING</Status><SubmittedAt>${submittedAt}</SubmittedAt>` +
            `${comment !== undefined ? `<Comment>${escapeXml(comment)}</Comment>` : ''}</ChangeInfo>`,
        ),
      };
    });
  }

  /** Brings moto to `after` for the touched sets, repairing what moto's DELETE takes with it. */
  async function apply(
    zoneId: string,
    before: Map<string, RecordSet>,
    after: Map<string, RecordSet>,
    touched: Set<string>,
    incoming: IncomingHttpHeaders,
  ): Promise<HttpResult | undefined> {
    // moto's UPSERT matches the name case-sensitively: keep the stored spelling of existing sets
    const nameFor = (key: string, set: RecordSet): string => before.get(key)?.name ?? set.name;
    const upserts = [...touched]
      .filter((key) => after.has(key) && after.get(key) !== before.get(key))
      .map((key) => ({ action: 'UPSERT' as const, raw: cleanRaw(after.get(key)!, nameFor(key, after.get(key)!)) }));
    const deleted = [...touched].filter((key) => before.has(key) && !after.has(key));

    let failure = upserts.length ? await motoChanges(zoneId, upserts, incoming) : undefined;
    if (failure || !deleted.length) return failure;

    // moto accepts a DELETE only if its change journal holds a CREATE/UPSERT with the same name (compared without
    // the trailing dot), TTL and values in the same order: write that entry first, then delete with it.
    const exact = deleted.map((key) => cleanRaw(before.get(key)!, before.get(key)!.name.replace(/\.$/, '')));
    failure = await motoChanges(zoneId, exact.map((raw) => ({ action: 'UPSERT' as const, raw })), incoming);
    if (failure) return failure;
    failure = await motoChanges(zoneId, exact.map((raw) => ({ action: 'DELETE' as const, raw })), incoming);
    if (failure) return failure;

    // a DELETE with a SetIdentifier removes every set carrying it (any name, any type): put the others back
    const now = await readZone(zoneId, incoming);
    if (!now.ok) return now.res;
    const present = new Map(now.sets.map((s) => [keyOf(s), s] as const));
    const repairs = [...after.entries()]
      .filter(([key, set]) => {
        const have = present.get(key);
        return !have || canonical(have) !== canonical(set);
      })
      .map(([key, set]) => ({ action: 'UPSERT' as const, raw: cleanRaw(set, nameFor(key, set)) }));
    return repairs.length ? motoChanges(zoneId, repairs, incoming) : undefined;
  }

  function rewriteMotoFailure(res: HttpResult, form: InvalidChangeBatchForm): Reply {
    const reply = fromUpstream(res);
    // moto reports a DELETE that does not match as InvalidInput ("... in Change with [Action=DELETE, Name=x, ...")
    const m = /Action=DELETE, Name=([^,]+), Type=([^,\]]+)/.exec(reply.errorMessage ?? '');
    if (reply.errorCode === 'InvalidInput' && m) {
      return invalidChangeBatch(
        [`Tried to delete resource record set [name='${normalizeRecordName(m[1])}', type='${m[2]}'] but the values provided do not match the current values`],
        form,
      );
    }
    return reply;
  }

  async function handleList(zoneId: string, req: IncomingMessage, body: Buffer): Promise<Reply> {
    const query = new URL(req.url ?? '/', 'http://guard').searchParams;
    const startName = query.get('name') ?? undefined;
    const startType = query.get('type') ?? undefined;
    const startId = query.get('identifier') ?? undefined;
    const maxItemsParam = query.get('maxitems');
    const requested = maxItemsParam === null ? ROUTE53_LIMITS.maxItemsPerListPage : Number(maxItemsParam);
    if ((startType && !startName) || (startId && !startType) || !Number.isInteger(requested) || requested < 1) {
      return forward(req, body); // moto's validation errors
    }
    const maxItems = Math.min(requested, ROUTE53_LIMITS.maxItemsPerListPage);
    return withZoneLock(zoneId, async () => {
      const zone = await readZone(zoneId, req.headers);
      if (!zone.ok) return fromUpstream(zone.res);
      const sorted = [...zone.sets].sort(comparePosition);
      const start = startName
        ? { lname: normalizeRecordName(startName), type: startType ?? '', setId: startId ?? '' }
        : undefined;
      const remaining = start ? sorted.filter((s) => comparePosition(s, start) >= 0) : sorted;
      const page = remaining.slice(0, maxItems);
      const next = remaining[maxItems];
      const inner =
        `<ResourceRecordSets>${page.map((s) => toXml('ResourceRecordSet', cleanRaw(s))).join('')}</ResourceRecordSets>` +
        `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>` +
        (next
          ? `<NextRecordName>${escapeXml(next.name)}</NextRecordName><NextRecordType>${next.type}</NextRecordType>` +
            (next.setId !== undefined ? `<NextRecordIdentifier>${escapeXml(next.setId)}</NextRecordIdentifier>` : '')
          : '') +
        `<MaxItems>${maxItems}</MaxItems>`;
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() },
        body: xmlDocument('ListResourceRecordSetsResponse', inner),
      };
    });
  }

  function takeFault(operation: string): (FaultSpec & { remaining: number }) | undefined {
    const fault = faults.find((f) => f.remaining > 0 && (f.operation === '*' || f.operation === operation));
    if (fault) fault.remaining -= 1;
    return fault;
  }

  async function handle(req: IncomingMessage, body: Buffer): Promise<Reply> {
    const method = req.method ?? 'GET';
    const { pathname } = new URL(req.url ?? '/', 'http://guard');
    const { operation, hostedZoneId } = routeOf(method, pathname);
    const fault = takeFault(operation);
    if (fault) {
      const spec = FAULTS[fault.code];
      return { ...errorResponse(spec.status, fault.code, fault.message ?? spec.message, spec.type), injected: true };
    }
    if (operation === 'ChangeResourceRecordSets' && hostedZoneId) return handleChange(hostedZoneId, req, body);
    if (operation === 'ListResourceRecordSets' && hostedZoneId) return handleList(hostedZoneId, req, body);
    return forward(req, body);
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = req.method ?? 'GET';
      const { pathname } = new URL(req.url ?? '/', 'http://guard');
      const route = routeOf(method, pathname);
      handle(req, body)
        .catch((err: unknown): Reply => errorResponse(500, 'InternalFailure', `route53-guard: ${String(err)}`, 'Receiver'))
        .then((reply) => {
          calls.push({
            operation: route.operation,
            hostedZoneId: route.hostedZoneId,
            method,
            path: req.url ?? '/',
            body: body.toString('utf8'),
            status: reply.status,
            ...(reply.errorCode !== undefined ? { errorCode: reply.errorCode } : {}),
            ...(reply.errorMessage !== undefined ? { errorMessage: reply.errorMessage } : {}),
            ...(reply.injected ? { injected: true } : {}),
          });
          const payload = Buffer.from(reply.body, 'utf8');
          res.writeHead(reply.status, { ...reply.headers, 'content-length': String(payload.length) });
          res.end(payload);
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const guard: Route53Guard = {
    url: `http://127.0.0.1:${port}`,
    calls,
    invalidChangeBatchForm: options.invalidChangeBatchForm ?? 'ErrorResponse',
    injectFault(fault: FaultSpec) {
      if (!FAULTS[fault.code]) throw new Error(`unknown fault code ${fault.code}`);
      faults.push({ ...fault, remaining: fault.times });
    },
    clearFaults() {
      faults.length = 0;
    },
    count(operation?: string) {
      return operation === undefined || operation === '*'
        ? calls.length
        : calls.filter((c) => c.operation === operation).length;
    },
    resetCalls() {
      calls.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return guard;
}
