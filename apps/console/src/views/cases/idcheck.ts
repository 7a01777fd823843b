// Check digits of the two identifiers an applicant gives (domain facts §8), for quick feedback
// while the clerk or applicant types. The server checks them again and its field errors are the
// ones that count; these mirror pkg/idcheck so the two rarely disagree.

/** Why a number was rejected; the same codes the server uses. */
export type IdProblem = 'required' | 'length' | 'charset' | 'birth_date' | 'check_digit'

const RESIDENT_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const RESIDENT_CHECK = '10X98765432'

/** The code's alphabet (no I, O, Z, S, V); a character's value is its index. */
export const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** Trimmed (ideographic spaces too) and upper-cased, as the server stores it. */
export function normalizeId(s: string): string {
  return s.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '').toUpperCase()
}

/** The MOD 11-2 check character of 17 digits (GB 11643). */
export function residentCheckChar(body17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * RESIDENT_WEIGHTS[i]!
  return RESIDENT_CHECK[sum % 11]!
}

/** The MOD 31 check character of 17 code characters (GB 32100). */
export function creditCheckChar(body17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CREDIT_CHARS.indexOf(body17[i]!) * CREDIT_WEIGHTS[i]!
  return CREDIT_CHARS[(31 - (sum % 31)) % 31]!
}

function lengthProblem(s: string): IdProblem | null {
  if (s === '') return 'required'
  if ([...s].length !== 18) return 'length'
  // Eighteen characters, but not all ASCII: full-width digits from a Chinese input method.
  if (!/^[\x20-\x7e]{18}$/.test(s)) return 'charset'
  return null
}

function realDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4))
  const m = Number(yyyymmdd.slice(4, 6))
  const d = Number(yyyymmdd.slice(6, 8))
  if (y < 1800 || m < 1 || m > 12 || d < 1) return false
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return d <= days
}

/** Checks a resident identity number (18 characters, a real birth date, the check character); null when valid. */
export function residentIdProblem(input: string): IdProblem | null {
  const s = normalizeId(input)
  const len = lengthProblem(s)
  if (len) return len
  if (!/^\d{17}[\dX]$/.test(s)) return 'charset'
  if (!realDate(s.slice(6, 14))) return 'birth_date'
  return residentCheckChar(s.slice(0, 17)) === s[17] ? null : 'check_digit'
}

/** Checks a unified social credit code (18 characters of its alphabet, the check character); null when valid. */
export function creditCodeProblem(input: string): IdProblem | null {
  const s = normalizeId(input)
  const len = lengthProblem(s)
  if (len) return len
  for (const c of s) if (!CREDIT_CHARS.includes(c)) return 'charset'
  return creditCheckChar(s.slice(0, 17)) === s[17] ? null : 'check_digit'
}

/** The last four characters, as the portal's status lookup asks for them. */
export function idLast4(input: string): string {
  const s = normalizeId(input)
  return [...s].slice(-4).join('')
}

/** Mainland mobile or landline numbers, as the server accepts them. */
export const PHONE_RE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/
