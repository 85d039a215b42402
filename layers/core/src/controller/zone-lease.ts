// The zone writer's lease: one item in the state table, with a hand-off flag so that no dirty mark is stranded and
// the holder only drains again when someone asked it to.
//
//   pk LEASE#zone-writer  sk LEASE   owner, leaseUntil (epoch ms; 0 = free), pending (a maker asked for another
//                                    round), lastWriter (the last writer to hold the lease)
//
// A maker whose marks are durable and who finds the lease held sets `pending` (conditional on the lease still being
// held); the holder releases only if `pending` is not set (conditional update), otherwise it clears the flag and runs
// another round. Either the maker's flag lands while the lease is held (the holder sees it at release) or it finds
// the lease free (and takes it itself): no mark waits for a drain that never comes, as long as holders do not die;
// a holder that dies (or runs out of time) leaves the marks to the next drain, which every function starts.
//
// `lastWriter` is set when the lease is TAKEN (a holder may write; one that dies after writing cannot record it
// later): a container whose own id is not the previous holder's knows its memory of the zone may be stale.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../aws/clients';
import { deadlineCall, isDeadlineExceeded } from '../util/deadline';
import { errorName } from '../util/retry';

export const ZONE_LEASE_KEY = { pk: 'LEASE#zone-writer', sk: 'LEASE' };

const isConditionFailure = (error: unknown) => errorName(error) === 'ConditionalCheckFailedException';

export type LeaseRelease = 'released' | 'pending' | 'lost';

export class ZoneLease {
  constructor(
    private readonly tableName: string,
    private readonly owner: string,
  ) {}

  /**
   * Takes the lease until `leaseUntil` (epoch ms) if it is free or expired.
   * @returns undefined when another holder has it; else the previous holder (`lastWriter`), if any
   */
  async acquire(leaseUntil: number, deadline: number): Promise<{ lastWriter?: string } | undefined> {
    const now = Date.now();
    try {
      const out = await deadlineCall(deadline, 'UpdateItem', (sendOptions) =>
        documentClient().send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: ZONE_LEASE_KEY,
            UpdateExpression: 'SET #owner = :owner, leaseUntil = :until, pending = :false, lastWriter = :owner',
            ConditionExpression: 'attribute_not_exists(pk) OR leaseUntil < :now',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': this.owner, ':until': leaseUntil, ':false': false, ':now': now },
            ReturnValues: 'ALL_OLD',
          }),
          sendOptions,
        ),
      );
      return { lastWriter: out.Attributes?.lastWriter === undefined ? undefined : String(out.Attributes.lastWriter) };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Asks the current holder for another round. False when no one holds the lease any more (take it instead). */
  async handOff(deadline: number): Promise<boolean> {
    try {
      await deadlineCall(deadline, 'UpdateItem', (sendOptions) =>
        documentClient().send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: ZONE_LEASE_KEY,
            UpdateExpression: 'SET pending = :true',
            ConditionExpression: 'attribute_exists(pk) AND leaseUntil >= :now',
            ExpressionAttributeValues: { ':true': true, ':now': Date.now() },
          }),
          sendOptions,
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Frees the lease unless a maker asked for another round (then the flag is cleared and 'pending' returned), or
   * `force` is set (out of time, or the drain failed: the marks wait for the next drain). Bounded by `deadline`: a
   * release that cannot be sent in time is not needed, since the lease lasts until the deadline at most.
   */
  async release(options: { force?: boolean; deadline: number }): Promise<LeaseRelease> {
    const send = (update: string, condition: string) =>
      deadlineCall(options.deadline, 'UpdateItem', (sendOptions) =>
        documentClient().send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: ZONE_LEASE_KEY,
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': this.owner, ':zero': 0, ':false': false },
          }),
          sendOptions,
        ),
      );
    try {
      const condition = options.force
        ? '#owner = :owner'
        : '#owner = :owner AND (attribute_not_exists(pending) OR pending = :false)';
      await send('SET leaseUntil = :zero, pending = :false', condition);
      return 'released';
    } catch (error) {
      if (isDeadlineExceeded(error)) return 'released';
      if (!isConditionFailure(error)) throw error;
    }
    // Either a hand-off is pending (clear it and go round again) or the lease was taken over after it expired.
    try {
      await send('SET pending = :false', '#owner = :owner AND leaseUntil > :zero');
      return 'pending';
    } catch (error) {
      if (isConditionFailure(error) || isDeadlineExceeded(error)) return 'lost';
      throw error;
    }
  }
}
