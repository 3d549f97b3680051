import type { SidecarField, SidecarSchema } from './define.ts';

/** A JSON Schema (draft-07, as Monaco's JSON worker reads it), kept as plain data. */
export type JsonSchema = Record<string, unknown>;

function fieldSchema(field: SidecarField): JsonSchema {
  const described = { description: field.doc };
  switch (field.type) {
    case 'number':
      return { ...described, type: 'number', minimum: field.min, maximum: field.max };
    case 'boolean':
      return { ...described, type: 'boolean' };
    case 'string':
      return { ...described, type: 'string', minLength: 1 };
    case 'regex':
      return { ...described, type: 'string', format: 'regex' };
    case 'strings':
      return {
        ...described,
        type: 'array',
        items: { type: 'string', minLength: 1 },
        minItems: 1,
        ...(field.maxItems !== undefined ? { maxItems: field.maxItems } : {}),
      };
    case 'enum':
      return { ...described, type: 'string', enum: field.values };
    case 'enums':
      return { ...described, type: 'array', items: { type: 'string', enum: field.values }, minItems: 1, uniqueItems: true };
  }
}

/** A rule's condition (`{mode: 'regex'}`, `{mode: {not: 'regex'}}`) as a schema that matches when it applies. */
function conditionSchema(when: Record<string, string | { not: string }>): JsonSchema {
  return {
    allOf: Object.entries(when).map(([key, want]) => {
      const equals = { required: [key], properties: { [key]: { const: typeof want === 'string' ? want : want.not } } };
      return typeof want === 'string' ? equals : { not: equals };
    }),
  };
}

/**
 * The JSON Schema of a sidecar, made from the catalogue's declaration (engine/catalogue/events.ts), the same one that
 * engine/catalogue/sidecar-check.ts checks a file against: the editor's settings form and Monaco's JSON validation
 * read it, so the rules are written once. What a schema cannot say (a tag path's syntax) the gateway still reports
 * after the save.
 */
export function sidecarJsonSchema(schema: SidecarSchema, title: string): JsonSchema {
  const fields = Object.entries(schema.fields);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    type: 'object',
    properties: Object.fromEntries(fields.map(([key, field]) => [key, fieldSchema(field)])),
    required: fields.filter(([, field]) => field.required).map(([key]) => key),
    additionalProperties: false,
    ...(schema.rules?.length
      ? {
          allOf: schema.rules.map((rule) => ({
            if: conditionSchema(rule.when),
            then: { anyOf: rule.requireOneOf.map((key) => ({ required: [key] })), errorMessage: rule.message },
          })),
        }
      : {}),
    examples: [schema.example],
  };
}
