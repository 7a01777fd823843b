import { ApiError, CSRF_COOKIE, CSRF_HEADER, NETWORK_ERROR_STATUS, readCookie, toApiError } from '../http'
import { currentLocale } from '@/locales'

/** A stored file as POST /api/v1/files answers (pending until a form attaches it). */
export interface StoredFile {
  id: string
  kind: string
  name: string
  media_type: string
  size: number
  sha256: string
  created_at: string
}

/**
 * Uploads one file to the platform's file store (POST /api/v1/files?kind=…, multipart field "file").
 * The kind decides what may be uploaded and who may; the returned ID is then sent with the form
 * that attaches it. Refusals (type, size, permission) come back as ApiError like any call.
 */
export async function uploadFile(kind: string, file: Blob, name?: string): Promise<StoredFile> {
  const form = new FormData()
  form.append('file', file, name ?? (file instanceof File ? file.name : 'file'))
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': currentLocale(),
  }
  const token = readCookie(CSRF_COOKIE)
  if (token) headers[CSRF_HEADER] = token
  let res: Response
  try {
    res = await fetch(`/api/v1/files?kind=${encodeURIComponent(kind)}`, { method: 'POST', headers, body: form, credentials: 'same-origin' })
  } catch (cause) {
    throw new ApiError(NETWORK_ERROR_STATUS, { code: 'network_error' }, { cause })
  }
  if (!res.ok) throw await toApiError(res)
  return (await res.json()) as StoredFile
}
