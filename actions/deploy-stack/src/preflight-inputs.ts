/**
 * L1: everything about the template and the parameters that can be checked before the first AWS call that
 * changes anything. Local templates are parsed here without any AWS call; a template given by URL, or one our
 * YAML 1.2 parser cannot read (CloudFormation reads YAML 1.1), is read with GetTemplateSummary (a read) before
 * any mutating call.
 */
import { assertDeclaredOverrides } from '../../../src/cfn/parameters';
import { awsErrorName, InputError } from '../../../src/errors';
import {
  inlineOrUpload,
  MAX_TEMPLATE_BODY_BYTES,
  parseTemplate,
  templateParameters,
  templateSummaryParameters,
  type TemplateParameter,
} from '../../../src/cfn/template';
import type { DeployInputs } from './inputs';
import type { DeployDeps } from './outcome';

/** What we know about the template before touching the stack. */
export interface TemplateFacts {
  /** The declared parameters; undefined when there is no template (execute-only) or it is only known by URL so far. */
  parameters?: TemplateParameter[];
  /** How the template reaches CloudFormation. */
  delivery: 'inline' | 'upload' | 'url' | 'none';
  /**
   * Why our parser could not read the local template (CloudFormation's YAML 1.1 accepts more than YAML 1.2):
   * its parameters are then read with GetTemplateSummary, and CloudFormation decides whether it is valid.
   */
  unparsed?: string;
}

/**
 * Everything checkable without AWS: the local template parses, every override names a declared parameter,
 * and a body over the inline limit has an s3-bucket to be uploaded to. Throws InputError.
 */
export function preflightInputs(inputs: DeployInputs): TemplateFacts {
  const template = inputs.template;
  if (!template) return { delivery: 'none' };
  if (template.kind === 'url') return { delivery: 'url' };
  const delivery = inlineOrUpload(template.body, inputs.s3Bucket);
  let parameters: TemplateParameter[];
  try {
    parameters = templateParameters(parseTemplate(template.body));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // GetTemplateSummary takes a body up to the inline limit; a larger one would have to be uploaded (a
    // mutating call) before anything could tell its parameters.
    if (delivery !== 'inline') {
      throw new InputError(
        `${error.message} The template is over ${MAX_TEMPLATE_BODY_BYTES} bytes, so CloudFormation cannot read its parameters before it is uploaded: make it parse as YAML 1.2 (or JSON).`,
      );
    }
    return { delivery, unparsed: error.message };
  }
  assertDeclaredOverrides(
    inputs.parameterOverrides,
    parameters.map((param) => param.name),
  );
  return { parameters, delivery };
}

/**
 * The template's parameters: a template given by URL, or a local one our parser could not read, is read with
 * GetTemplateSummary (a read, before any mutating call). A template CloudFormation refuses is an input error.
 */
export async function templateFacts(
  deps: Pick<DeployDeps, 'cfn'>,
  inputs: DeployInputs,
  local: TemplateFacts,
): Promise<TemplateFacts> {
  const template = inputs.template;
  const source =
    template?.kind === 'url'
      ? { url: template.url }
      : template?.kind === 'file' && local.unparsed
        ? { body: template.body }
        : undefined;
  if (!source) return local;
  let parameters: TemplateParameter[];
  try {
    parameters = await templateSummaryParameters(deps.cfn, source);
  } catch (error) {
    if (awsErrorName(error) !== 'ValidationError') throw error;
    throw new InputError(`CloudFormation refused the template: ${(error as Error).message}`);
  }
  assertDeclaredOverrides(
    inputs.parameterOverrides,
    parameters.map((param) => param.name),
  );
  return { ...local, parameters };
}

/** What the log says about a template read by GetTemplateSummary because our parser could not read it. */
export function unparsedNote(facts: TemplateFacts): string | undefined {
  return facts.unparsed
    ? `The template could not be parsed locally (${facts.unparsed}); its parameters were read with CloudFormation's GetTemplateSummary, which decides whether it is valid.`
    : undefined;
}
