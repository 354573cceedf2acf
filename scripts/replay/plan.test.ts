import { parseTrace } from '@sluice/scheduler-core/sim';
import { describe, expect, it } from 'vitest';
import { parseShares, planAccounts, planReplay, replayPassword, sluiceUsername, slurmTimeLimitMinutes } from './plan';

const TRACE = `job_id,user,group,submit_time_s,duration_s,gpus
1,g2u2,g2,0,4505,4
3,g1u3,g1,147,3209,1
2,g2u1,g2,34,2185,16
4,,vc-11cb48,186,0,1
`;

describe('replay plan', () => {
  it('uses Slurm\'s whole-minute time limit with 5 s of slack', () => {
    expect(slurmTimeLimitMinutes(0)).toBe(1);
    expect(slurmTimeLimitMinutes(55)).toBe(1);
    expect(slurmTimeLimitMinutes(55.001)).toBe(2);
    expect(slurmTimeLimitMinutes(75.083)).toBe(2);
    expect(slurmTimeLimitMinutes(115)).toBe(2);
    expect(slurmTimeLimitMinutes(116)).toBe(3);
  });

  it('turns trace jobs into timed sleep jobs, compressed by the factor, in submission order', () => {
    const jobs = planReplay(parseTrace(TRACE), 60);
    expect(jobs.map((j) => j.traceId)).toEqual(['1', '2', '3', '4']);
    expect(jobs[0]).toEqual({
      traceId: '1',
      user: 'g2u2',
      group: 'g2',
      gpus: 4,
      at: 0,
      seconds: 4505 / 60,
      command: 'sleep 75.083',
      timeLimitMinutes: 2,
      name: 'replay-1',
    });
    expect(jobs[1]).toMatchObject({ at: 34 / 60, gpus: 16, command: 'sleep 36.417', timeLimitMinutes: 1 });
    expect(jobs[3]).toMatchObject({ user: 'vc-11cb48-user', group: 'vc-11cb48', command: 'sleep 0', timeLimitMinutes: 1 });
  });

  it('measures submission times from the first job of the trace', () => {
    const jobs = planReplay(parseTrace('job_id,user,group,submit_time_s,duration_s,gpus\na,u,g,600,60,1\nb,u,g,660,60,1\n'), 60);
    expect(jobs.map((j) => j.at)).toEqual([0, 1]);
  });

  it('rejects traces it cannot replay faithfully', () => {
    expect(() => planReplay(parseTrace(TRACE), 0)).toThrow(/--factor must be a positive number/);
    expect(() => planReplay(parseTrace(`${TRACE}1,u,g,5,5,1\n`), 60)).toThrow(/trace job id 1 appears twice/);
    expect(() => planReplay(parseTrace('job_id,user,group,submit_time_s,duration_s,gpus\n9,u,,0,5,1\n'), 60)).toThrow(/job 9 has no group/);
    expect(() => planReplay(parseTrace('job_id,user,group,submit_time_s,duration_s,gpus\n9,u,g,0,5,1.5\n'), 60)).toThrow(/1.5 GPUs: not a whole number/);
    expect(() => parseTrace('job_id,user,group,submit_time_s,gpus\n9,u,g,0,1\n')).toThrow(/no column duration_s/);
  });

  it('makes valid Sluice user names', () => {
    expect(sluiceUsername('Alice Smith', 'g1')).toBe('alice_smith');
    expect(sluiceUsername('7up', 'g1')).toBe('u7up');
    expect(sluiceUsername('', 'VC-1')).toBe('vc-1-user');
    expect(sluiceUsername('x'.repeat(40), 'g')).toHaveLength(32);
  });

  it('plans one account per group with its shares, and each user in its groups', () => {
    const plan = planAccounts(planReplay(parseTrace(`${TRACE}5,g2u1,g1,200,60,1\n`), 60), { g1: 2 });
    expect([...plan.accounts]).toEqual([
      ['g2', 1],
      ['g1', 2],
      ['vc-11cb48', 1],
    ]);
    expect(plan.members.get('g2u1')).toEqual(new Set(['g2', 'g1']));
    expect(plan.members.size).toBe(4);
    expect(() => planAccounts(planReplay(parseTrace(TRACE), 60), { g9: 1 })).toThrow(/groups the trace does not have: g9/);
  });

  it('parses --shares and names a bad part', () => {
    expect(parseShares('g1=2, g2=1,g3=10')).toEqual({ g1: 2, g2: 1, g3: 10 });
    expect(() => parseShares('g1=2,g2')).toThrow(/"g2" is not <account>=<whole number of shares>/);
    expect(() => parseShares('g1=0.5')).toThrow(/"g1=0.5" is not/);
    expect(() => parseShares('g1=0')).toThrow(/g1 needs shares above 0/);
  });

  it('derives a stable password per user from the admin\'s', () => {
    expect(replayPassword('secret-1', 'u1')).toBe(replayPassword('secret-1', 'u1'));
    expect(replayPassword('secret-1', 'u1')).not.toBe(replayPassword('secret-1', 'u2'));
    expect(replayPassword('secret-1', 'u1')).not.toBe(replayPassword('secret-2', 'u1'));
    expect(replayPassword('secret-1', 'u1').length).toBeGreaterThanOrEqual(8);
  });
});
