// Payload validation through any Standard Schema validator (zod, valibot, arktype, ...).
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ValidationIssue } from '../errors.ts'

export type AnySchema = StandardSchemaV1
export type SchemaInput<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : never
export type SchemaOutput<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : never

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] }

/** Validates synchronously when the schema allows it (the common case), else returns a promise. */
export function validateSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): Validated<T> | Promise<Validated<T>> {
  const result = schema['~standard'].validate(value)
  return result instanceof Promise ? result.then(toValidated) : toValidated(result)
}

function toValidated<T>(result: StandardSchemaV1.Result<T>): Validated<T> {
  if (result.issues === undefined) return { ok: true, value: result.value }
  return { ok: false, issues: validationIssues(result.issues) }
}

/** A validator's issues as kafkit reports them (dotted paths). */
export function validationIssues(issues: readonly StandardSchemaV1.Issue[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: issuePath(issue), message: issue.message }))
}

function issuePath(issue: StandardSchemaV1.Issue): string {
  if (!issue.path) return ''
  return issue.path
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map((key) => (typeof key === 'number' ? `[${key}]` : String(key)))
    .join('.')
    .replace(/\.\[/g, '[')
}
