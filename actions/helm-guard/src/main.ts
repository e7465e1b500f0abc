import { envInputs, type InputGetter } from '../../../src/inputs';
import { coreLogger, type Logger } from '../../../src/log';
import { coreMasker, type Masker } from '../../../src/mask';
import { runAction, setOutputs } from '../../../src/run';
import { coreSummaryWriter, type SummaryWriter } from '../../../src/summary';
import { runHelmGuard, type FlowResult } from './flow';
import { execHelmRunner, type HelmRunner } from './helm';
import { parseInputs } from './inputs';

export interface MainDeps {
  get: InputGetter;
  mask: Masker;
  /** Builds the helm runner once inputs are valid (helm-path is an input). */
  helm: (helmPath: string) => HelmRunner;
  log: Logger;
  summary?: SummaryWriter;
  setOutputs: (o: Record<string, string>) => void;
  workspace?: string;
}

/** Parse and validate every input (L1, secrets masked as read: C3), then guard. Helm is never built on bad input. */
export async function helmGuard(d: MainDeps): Promise<FlowResult> {
  const inputs = parseInputs(d.get, { mask: d.mask, ...(d.workspace ? { workspace: d.workspace } : {}) });
  return runHelmGuard(inputs, {
    helm: d.helm(inputs.helmPath),
    log: d.log,
    ...(d.summary ? { summary: d.summary } : {}),
    setOutputs: d.setOutputs,
  });
}

export async function run(): Promise<void> {
  await runAction(async () => {
    await helmGuard({
      get: envInputs,
      mask: coreMasker,
      helm: (p) => execHelmRunner(p),
      log: coreLogger,
      summary: coreSummaryWriter,
      setOutputs: (o) => setOutputs(o),
    });
  });
}
