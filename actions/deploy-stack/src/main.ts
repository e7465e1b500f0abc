import * as core from '@actions/core';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { clientConfig } from '../../../src/aws';
import { realClock } from '../../../src/clock';
import { coreLogger } from '../../../src/log';
import { coreMasker } from '../../../src/mask';
import { envInputs } from '../../../src/inputs';
import { runAction } from '../../../src/run';
import { Deployer } from './deploy';
import { parseInputs } from './inputs';
import { planGate, publish, type PlanHolder } from './report';

export async function run(): Promise<void> {
  await runAction(async () => {
    const inputs = parseInputs(envInputs);
    if (inputs.githubToken) core.setSecret(inputs.githubToken);
    const cfg = clientConfig(inputs.region);
    const deps = {
      cfn: new CloudFormationClient(cfg),
      s3: async () => {
        const m = await import('./aws-extra');
        return m.s3Ops(
          new m.S3Client({
            ...cfg,
            forcePathStyle: !!(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3),
          }),
        );
      },
      sts: async () => {
        const m = await import('./aws-extra');
        return m.stsOps(new m.STSClient(cfg));
      },
      log: coreLogger,
      clock: realClock,
      mask: coreMasker,
    };
    const holder: PlanHolder = {};
    const deployer = new Deployer(inputs, deps, planGate(inputs, deps.cfn, holder));
    const onSignal = (sig: NodeJS.Signals) => {
      void deployer.cleanup(`the job was cancelled (${sig})`).finally(() => {
        core.setFailed(
          `deploy-stack: cancelled (${sig}) while working on stack ${inputs.stackName}; no change set was left behind.`,
        );
        process.exit(1);
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let error: unknown;
    try {
      await deployer.run();
    } catch (e) {
      error = e;
    }
    await publish(inputs, deployer.result, { log: deps.log, error, plan: holder.plan });
    if (error) throw error;
  });
}
