import { envInputs } from '../../../src/inputs';
import { coreLogger } from '../../../src/log';
import { coreMasker } from '../../../src/mask';
import { runAction, setOutputs } from '../../../src/run';
import { coreSummaryWriter } from '../../../src/summary';
import { runHelmGuard } from './flow';
import { execHelmRunner } from './helm';
import { parseInputs } from './inputs';

export async function run(): Promise<void> {
  await runAction(async () => {
    // Validation first (L1): a bad input fails here, before helm is started; secrets are masked as read (C3).
    const inputs = parseInputs(envInputs, { mask: coreMasker });
    await runHelmGuard(inputs, {
      helm: execHelmRunner(inputs.helmPath),
      log: coreLogger,
      summary: coreSummaryWriter,
      setOutputs: (o) => setOutputs(o),
    });
  });
}
