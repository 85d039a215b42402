import { DeadlineExceededError, withRetries } from '@ecs-sd/core';

const err = (name: string) => Object.assign(new Error(name), { name });

describe('withRetries', () => {
  it('retries retryable errors with growing, jittered delays and then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetries(async () => {
      if (++calls < 4) throw err('Throttling');
      return 'ok';
    }, { isRetryable: (e) => (e as Error).name === 'Throttling', baseDelayMs: 100, random: () => 1, sleep: async (ms) => { delays.push(ms); } });
    expect(result).toBe('ok');
    expect(delays).toEqual([100, 200, 400]);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw err('InvalidChangeBatch'); }, { isRetryable: () => false })).rejects.toThrow('InvalidChangeBatch');
    expect(calls).toBe(1);
  });

  it('gives up before the deadline rather than sleeping past it', async () => {
    let calls = 0;
    const start = Date.now();
    await expect(withRetries(async () => { calls++; throw err('Throttling'); }, {
      isRetryable: () => true, baseDelayMs: 1000, random: () => 1, deadline: Date.now() + 1500, maxAttempts: 50,
    })).rejects.toThrow('Throttling');
    expect(Date.now() - start).toBeLessThan(1500);
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('does not start even the first attempt once the deadline has passed', async () => {
    let calls = 0;
    await expect(
      withRetries(async () => { calls++; return 'ok'; }, { isRetryable: () => true, deadline: Date.now() - 1 }),
    ).rejects.toThrow(DeadlineExceededError);
    expect(calls).toBe(0);
  });

  it('starts no retry after a slow attempt ended past the deadline', async () => {
    let calls = 0;
    const deadline = Date.now() + 50;
    await expect(
      withRetries(
        async () => {
          calls++;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 5));
          throw err('Throttling');
        },
        { isRetryable: () => true, deadline, random: () => 0, sleep: async () => undefined },
      ),
    ).rejects.toThrow('Throttling');
    expect(calls).toBe(1);
  });
});
