import { AmplifyClient } from '@aws-sdk/client-amplify';
import { clientConfig } from '../../../src/aws';
import { realClock, type Clock } from '../../../src/clock';
import { errorMessage } from '../../../src/errors';
import { envInputs, type InputGetter } from '../../../src/inputs';
import { coreLogger, type Logger } from '../../../src/log';
import { coreMasker, maskSecret, type Masker } from '../../../src/mask';
import { runAction, setOutputs } from '../../../src/run';
import { coreSummaryWriter, writeSummary, type SummaryWriter } from '../../../src/summary';
import { parseInputs, secretValues } from './inputs';
import { amplifyRelease, newReport, renderSummary, type ReleaseReport } from './release';

export interface Runtime {
  get: InputGetter;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock: Clock;
  mask: Masker;
  /** Builds the client once inputs are valid (so bad input makes zero AWS calls). */
  amplify: (region: string) => AmplifyClient;
  summary: SummaryWriter;
  setOutputs: (o: Record<string, string | boolean | undefined>) => void;
}

export function outputsOf(r: ReleaseReport): Record<string, string | boolean | undefined> {
  return {
    started: r.started,
    reason: r.reason,
    'job-id': r.jobId ?? '',
    'job-status': r.jobStatus ?? '',
    'env-changed': r.envChanged,
  };
}

/** The action with every dependency injected; throws on failure (run() turns that into setFailed). */
export async function runWith(rt: Runtime): Promise<ReleaseReport> {
  const inputs = parseInputs(rt.get, rt.env);
  // C3: register secret values with the runner before anything can print them.
  const secrets = secretValues(inputs);
  for (const v of secrets) maskSecret(v, rt.mask);

  const report = newReport(inputs);
  const deps = { amplify: rt.amplify(inputs.region), log: rt.log, clock: rt.clock, mask: rt.mask };
  try {
    await amplifyRelease(deps, inputs, report);
  } catch (e) {
    report.error = errorMessage(e);
    if (!report.reason) report.reason = `failed: ${report.error}`;
    throw e;
  } finally {
    rt.setOutputs(outputsOf(report));
    await writeSummary(renderSummary(report, secrets), rt.log, rt.summary);
  }
  return report;
}

export async function run(): Promise<void> {
  await runAction(async () => {
    await runWith({
      get: envInputs,
      env: process.env,
      log: coreLogger,
      clock: realClock,
      mask: coreMasker,
      amplify: (region) => new AmplifyClient(clientConfig(region)),
      summary: coreSummaryWriter,
      setOutputs,
    });
  });
}
