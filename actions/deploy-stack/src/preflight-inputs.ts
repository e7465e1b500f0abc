/**
 * L1: everything about the template and the parameters that can be checked before the first AWS call that
 * changes anything. Local templates are parsed here without any AWS call; a template given by URL is read
 * with GetTemplateSummary (a read) before any mutating call.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { assertDeclaredOverrides } from '../../../src/cfn/parameters';
import {
  inlineOrUpload,
  parseTemplate,
  templateParameters,
  templateSummaryParameters,
  type TemplateParameter,
} from '../../../src/cfn/template';
import type { DeployInputs } from './inputs';

/** What we know about the template before touching the stack. */
export interface TemplateFacts {
  /** The declared parameters; undefined when there is no template (execute-only) or it is only known by URL so far. */
  parameters?: TemplateParameter[];
  /** How the template reaches CloudFormation. */
  delivery: 'inline' | 'upload' | 'url' | 'none';
}

/**
 * Everything checkable without AWS: the local template parses, every override names a declared parameter,
 * and a body over the inline limit has an s3-bucket to be uploaded to. Throws InputError.
 */
export function preflightInputs(inputs: DeployInputs): TemplateFacts {
  const template = inputs.template;
  if (!template) return { delivery: 'none' };
  if (template.kind === 'url') return { delivery: 'url' };
  const parameters = templateParameters(parseTemplate(template.body));
  assertDeclaredOverrides(
    inputs.parameterOverrides,
    parameters.map((param) => param.name),
  );
  return { parameters, delivery: inlineOrUpload(template.body, inputs.s3Bucket) };
}

/** The template's parameters, reading a template given by URL with GetTemplateSummary (a read). */
export async function templateFacts(
  cfn: CloudFormationClient,
  inputs: DeployInputs,
  local: TemplateFacts,
): Promise<TemplateFacts> {
  if (local.delivery !== 'url' || inputs.template?.kind !== 'url') return local;
  const parameters = await templateSummaryParameters(cfn, inputs.template.url);
  assertDeclaredOverrides(
    inputs.parameterOverrides,
    parameters.map((param) => param.name),
  );
  return { parameters, delivery: 'url' };
}
