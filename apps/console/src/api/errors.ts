import { ApiError } from './http'

type Translate = (key: string, named?: Record<string, unknown>) => string

/**
 * The message to show for a failed call: the server's localised detail when it sent one,
 * otherwise a generic message in the UI language.
 */
export function errorMessage(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.detail) return error.detail
    if (error.isNetworkError) return t('error.network')
    if (error.title && error.code !== 'unexpected_response') return error.title
    return t('error.http', { status: error.status })
  }
  if (error instanceof Error && error.message) return error.message
  return String(error)
}

/** How a failed form submission is shown: messages under fields, and a banner for the rest. */
export interface FormProblem<F extends string> {
  fields: Partial<Record<F, string>>
  /** "" when every error is already shown under a field. */
  banner: string
}

/**
 * Splits an error for a form with the given fields: field errors the form has go under the fields;
 * the banner carries the server's message when no field error applies (bad credentials, throttling,
 * a suspended tenant …) plus any field error the form has no place for.
 */
export function formProblem<F extends string>(error: unknown, formFields: readonly F[], t: Translate): FormProblem<F> {
  const fields: Partial<Record<F, string>> = {}
  if (!(error instanceof ApiError)) return { fields, banner: errorMessage(error, t) }
  const known = new Set<string>(formFields)
  const unplaced: string[] = []
  for (const e of error.errors) {
    if (known.has(e.field)) {
      if (!(e.field in fields)) fields[e.field as F] = e.message
    } else if (e.message) {
      unplaced.push(e.message)
    }
  }
  const placed = Object.keys(fields).length
  let banner = ''
  if (placed === 0 || unplaced.length > 0) banner = [errorMessage(error, t), ...unplaced].join(' ')
  return { fields, banner }
}

/**
 * The same error with its field names rewritten, for forms whose fields are named differently
 * from the API's paths (e.g. "roles[2].role" → "roles"). Other errors pass through unchanged.
 */
export function renameFields(error: unknown, rename: (field: string) => string): unknown {
  if (!(error instanceof ApiError) || error.errors.length === 0) return error
  return new ApiError(error.status, {
    type: error.type,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    request_id: error.requestId,
    errors: error.errors.map((e) => ({ ...e, field: rename(e.field) })),
  })
}
