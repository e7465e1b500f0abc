import type { ParameterOverride } from './parameters';
import type { TemplateParameter } from './template';

/** Where secrets are registered: the runtime's outbound channel (`rt.out`). */
export interface SecretRegistry {
  addSecret(value: string | undefined): void;
}

export interface NoEchoMasking {
  /** Parameter names the template declares NoEcho (values they feed are masked in plans). */
  noEchoParameters: string[];
  /** The override values registered as secrets. */
  secrets: string[];
}

/**
 * C3: register every value given to a NoEcho parameter as a secret (every form, and `::add-mask::`) before
 * anything is printed. `params` undefined (no template known) masks nothing.
 */
export function maskNoEchoOverrides(
  out: SecretRegistry,
  params: readonly TemplateParameter[] | undefined,
  overrides: readonly ParameterOverride[],
): NoEchoMasking {
  const noEcho = new Set((params ?? []).filter((param) => param.noEcho).map((param) => param.name));
  const secrets: string[] = [];
  for (const override of overrides) {
    if (noEcho.has(override.key) && override.value) {
      out.addSecret(override.value);
      secrets.push(override.value);
    }
  }
  return { noEchoParameters: [...noEcho], secrets };
}
