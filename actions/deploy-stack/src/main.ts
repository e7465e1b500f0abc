import * as core from '@actions/core';
import { runAction } from '../../../src/run';

export async function run(): Promise<void> {
  await runAction(async () => {
    core.info('skeleton');
  });
}
