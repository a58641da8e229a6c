import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceState, type SwarmService, type SwarmTask } from '../../../src/targets/swarm-observe';

const svc: SwarmService = {
  ID: 'svc1',
  Spec: { Name: 'p-web_web', Labels: {}, TaskTemplate: { ContainerSpec: { Image: 'reg/web:broken', Labels: { 'steward.hash': 'h2' } } }, Mode: { Replicated: { Replicas: 2 } } },
};
const task = (id: string, state: string, desired: string, container?: string, err?: string): SwarmTask => ({
  ID: id,
  ServiceID: 'svc1',
  DesiredState: desired,
  Spec: { ContainerSpec: { Image: 'reg/web:broken', Labels: { 'steward.hash': 'h2' } } },
  Status: { State: state, Err: err, ContainerStatus: container ? { ContainerID: container, ExitCode: 1 } : {} },
});

test('the failing task reported is one that ran (it has logs), not one shut down before it was scheduled', () => {
  const s = serviceState(svc, [task('nevereverscheduled', 'pending', 'shutdown'), task('ranandfailed0', 'failed', 'shutdown', 'c0ffee', 'task: non-zero exit (1)')], [], 'h2');
  assert.equal(s.lastTask, 'ranandfailed0');
  assert.equal(s.lastError, 'task ranandfailed (reg/web:broken): task: non-zero exit (1)');
});
