/**
 * The little validation the simulated API does: object names (apimachinery `IsDNS1123Subdomain`,
 * `IsDNS1123Label`, `IsDNS1035Label`). Per-type rules are each type's `validate` (extraValidation.ts);
 * everything else a real apiserver validates is accepted as is.
 */
import type { NameFormat } from "./resourceTypeShape.js";
import type { FieldCause } from "./status.js";

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";

const RULES: Readonly<Record<NameFormat, { pattern: RegExp; source: string; max: number; what: string }>> = {
  subdomain: {
    pattern: new RegExp(`^${DNS1123_SUBDOMAIN}$`),
    source: DNS1123_SUBDOMAIN,
    max: 253,
    what: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com'",
  },
  label: {
    pattern: new RegExp(`^${DNS1123_LABEL}$`),
    source: DNS1123_LABEL,
    max: 63,
    what: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc'",
  },
  dns1035: {
    pattern: new RegExp(`^${DNS1035_LABEL}$`),
    source: DNS1035_LABEL,
    max: 63,
    what: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123'",
  },
};

/** Causes for an invalid `metadata.name`, empty when the name is valid for `format`. */
export function nameProblems(name: string, format: NameFormat): FieldCause[] {
  const rule = RULES[format];
  const causes: FieldCause[] = [];
  if (name.length > rule.max) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${name}": must be no more than ${rule.max} characters`,
      field: "metadata.name",
    });
  }
  if (!rule.pattern.test(name)) {
    causes.push({
      reason: "FieldValueInvalid",
      message: `Invalid value: "${name}": ${rule.what}, regex used for validation is '${rule.source}')`,
      field: "metadata.name",
    });
  }
  return causes;
}

export const NAME_REQUIRED: FieldCause = {
  reason: "FieldValueRequired",
  message: "Required value: name or generateName is required",
  field: "metadata.name",
};
