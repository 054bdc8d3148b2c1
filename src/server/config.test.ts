import { describe, expect, it } from 'vitest';
import { parseRaftTiming, parseStartFlags, UsageError } from './config.js';

const base = {
  id: 'n1',
  peers: 'n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103',
  http: '127.0.0.1:7001',
  dataDir: '/tmp/x',
};
const env = { FAULTLINE_CLUSTER_SECRET: 'a-secret-of-at-least-16-bytes' };

describe('Raft timing flags', () => {
  it('defaults to a 10 ms heartbeat and a 100 ms election timeout: 1 and 10 ticks of 10 ms', () => {
    expect(parseStartFlags(base, env).raftTiming).toEqual({ heartbeatIntervalMs: 10, electionTimeoutMs: 100, tickIntervalMs: 10, heartbeatTicks: 1, electionTicks: 10 });
  });

  it('ticks at the largest interval ≤ 10 ms that divides both', () => {
    expect(parseRaftTiming('100', '1000')).toMatchObject({ tickIntervalMs: 10, heartbeatTicks: 10, electionTicks: 100 });
    expect(parseRaftTiming('15', '150')).toMatchObject({ tickIntervalMs: 5, heartbeatTicks: 3, electionTicks: 30 });
    expect(parseRaftTiming('7', '100')).toMatchObject({ tickIntervalMs: 1, heartbeatTicks: 7, electionTicks: 100 });
    expect(parseRaftTiming('4', '20')).toMatchObject({ tickIntervalMs: 4, heartbeatTicks: 1, electionTicks: 5 });
  });

  it('refuses bad values, naming the flag', () => {
    expect(() => parseRaftTiming('0', undefined)).toThrow(/--heartbeat-interval-ms must be a whole number/);
    expect(() => parseRaftTiming('1.5', undefined)).toThrow(UsageError);
    expect(() => parseRaftTiming(undefined, 'soon')).toThrow(/--election-timeout-ms must be a whole number/);
    expect(() => parseRaftTiming('100', '400')).toThrow(/at least 5 × --heartbeat-interval-ms/);
    expect(() => parseRaftTiming('10000', '60000')).toThrow(/at most 50000/);
    expect(() => parseStartFlags({ ...base, electionTimeoutMs: '20' }, env)).toThrow(/--election-timeout-ms \(20\)/);
  });
});
