// AWS::ServerlessRepo::Application metadata checked against the Serverless Application Repository's documented
// rules (AWS SAM developer guide, "AWS SAM template Metadata section properties"), and every resource type the
// template creates checked against SAR's "List of Supported AWS Resources" (serverlessrepo developer guide).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadTemplate, ROOT, type Template } from '../support/template';

const template = loadTemplate();
const sar = template.Metadata['AWS::ServerlessRepo::Application'] as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string };

/** Semantic Versioning 2.0.0, the grammar's regular expression from semver.org. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const isIntrinsic = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && Object.keys(v).some((k) => k === 'Ref' || k.startsWith('Fn::'));

describe('AWS::ServerlessRepo::Application', () => {
  it('has every field the issue lists, and no intrinsic function (SAR does not resolve them)', () => {
    expect(Object.keys(sar).sort()).toEqual([
      'Author', 'Description', 'HomePageUrl', 'Labels', 'LicenseUrl', 'Name', 'ReadmeUrl', 'SemanticVersion',
      'SourceCodeUrl', 'SpdxLicenseId',
    ]);
    expect(Object.entries(sar).filter(([, v]) => isIntrinsic(v) || (Array.isArray(v) && v.some(isIntrinsic)))).toEqual([]);
  });

  it('Name: 1-140 of [a-zA-Z0-9-]; Description: 1-256 characters', () => {
    expect(sar.Name).toMatch(/^[a-zA-Z0-9-]{1,140}$/);
    expect(typeof sar.Description).toBe('string');
    expect((sar.Description as string).length).toBeGreaterThanOrEqual(1);
    expect((sar.Description as string).length).toBeLessThanOrEqual(256);
  });

  it("Author: 1-127 characters of SAR's pattern (lower-case letters and digits, single hyphens inside)", () => {
    expect(sar.Author).toMatch(/^[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?$/);
    expect((sar.Author as string).length).toBeLessThanOrEqual(127);
  });

  it('SpdxLicenseId matches package.json and the LICENSE text; LicenseUrl and ReadmeUrl are local files of at most 5 MB', () => {
    expect(sar.SpdxLicenseId).toBe(pkg.license);
    expect(sar.SpdxLicenseId).toBe('Apache-2.0');
    for (const field of ['LicenseUrl', 'ReadmeUrl']) {
      const path = join(ROOT, sar[field] as string);
      expect({ field, exists: existsSync(path) }).toEqual({ field, exists: true });
      expect(statSync(path).size).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    expect(readFileSync(join(ROOT, sar.LicenseUrl as string), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('Labels: at most 10, each 1-127 characters of [a-zA-Z0-9+\\-_:/@]', () => {
    const labels = sar.Labels as string[];
    expect(labels.length).toBeGreaterThanOrEqual(1);
    expect(labels.length).toBeLessThanOrEqual(10);
    expect(labels.filter((l) => !/^[a-zA-Z0-9+\-_:/@]{1,127}$/.test(l))).toEqual([]);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('HomePageUrl and SourceCodeUrl are https URLs', () => {
    for (const field of ['HomePageUrl', 'SourceCodeUrl']) expect(new URL(sar[field] as string).protocol).toBe('https:');
  });

  it('SemanticVersion is semver, equals package.json and has a CHANGELOG entry', () => {
    expect(sar.SemanticVersion).toMatch(SEMVER);
    expect(sar.SemanticVersion).toBe(pkg.version);
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`^## \\[?${String(sar.SemanticVersion).replace(/\./g, '\\.')}\\]?`, 'm'));
  });

  it('the README says which placeholders to replace and how to package and publish', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const field of ['Author', 'HomePageUrl', 'SourceCodeUrl']) expect(readme).toContain(field);
    expect(readme).toMatch(/sam package/);
    expect(readme).toMatch(/sam publish/);
    expect(readme).toMatch(/CAPABILITY_IAM/);
    expect(readme).toMatch(/CAPABILITY_RESOURCE_POLICY/);
  });
});

/**
 * SAR's list of supported resource types (as the serverlessrepo developer guide lists it; the live list is longer,
 * this holds the types this template and SAM's expansion of it use), and the two this template uses that the list
 * we could read does not show (README, "Publishing": check them against the live list before publishing).
 */
const SUPPORTED = new Set([
  'AWS::CloudWatch::Alarm', 'AWS::CloudWatch::Dashboard', 'AWS::DynamoDB::Table', 'AWS::Events::Rule',
  'AWS::IAM::Role', 'AWS::Lambda::EventSourceMapping', 'AWS::Lambda::Function', 'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Permission', 'AWS::Logs::LogGroup', 'AWS::Route53::HostedZone', 'AWS::S3::Bucket',
  'AWS::S3::BucketPolicy', 'AWS::SNS::Subscription', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy',
  'AWS::Serverless::Function', 'AWS::Serverless::LayerVersion',
]);
const TO_CHECK_ON_THE_LIVE_LIST = ['AWS::CloudTrail::Trail', 'AWS::Lambda::EventInvokeConfig'];

describe('resource types and SAR', () => {
  const types = [...new Set(Object.values(template.Resources as Record<string, Template>).map((r) => r.Type as string))].sort();

  it('every resource type is supported by SAR, or listed to be checked before publishing', () => {
    expect(types.filter((t) => !SUPPORTED.has(t) && !TO_CHECK_ON_THE_LIVE_LIST.includes(t))).toEqual([]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const type of TO_CHECK_ON_THE_LIVE_LIST) expect(readme).toContain(type);
  });
});
