// Unwraps what Lambda receives: an SQS batch whose bodies are EventBridge events, or (sam local invoke, tests)
// a raw EventBridge event, which is treated as a batch of one.
import type { SQSEvent, SQSRecord } from 'aws-lambda';

export function isSqsEvent(event: unknown): event is SQSEvent {
  return (
    typeof event === 'object' &&
    event !== null &&
    Array.isArray((event as SQSEvent).Records) &&
    (event as SQSEvent).Records.every((r) => r && r.eventSource === 'aws:sqs')
  );
}

/** Wraps a raw EventBridge event as a synthetic SQS record so one code path handles both. */
export function asSqsEvent(event: unknown): SQSEvent {
  if (isSqsEvent(event)) return event;
  const id = typeof event === 'object' && event !== null && 'id' in event ? String(event.id) : 'direct-invocation';
  const record: SQSRecord = {
    messageId: id,
    receiptHandle: '',
    body: JSON.stringify(event),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'direct',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'direct-invocation',
    awsRegion: process.env.AWS_REGION ?? 'us-east-1',
  };
  return { Records: [record] };
}

/** JSON.parse that reports failure as a value rather than an exception. */
export function parseJsonBody(body: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
