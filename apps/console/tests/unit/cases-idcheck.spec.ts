import { describe, expect, it } from 'vitest'
import { creditCheckChar, creditCodeProblem, idLast4, normalizeId, PHONE_RE, residentCheckChar, residentIdProblem } from '@/views/cases/idcheck'

describe('resident ID numbers (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts the standard’s examples, with a lower-case x and surrounding spaces', () => {
    expect(residentIdProblem('11010519491231002X')).toBeNull()
    expect(residentIdProblem('440524188001010014')).toBeNull()
    expect(residentIdProblem(' 11010519491231002x\u3000')).toBeNull()
    expect(residentCheckChar('11010519491231002')).toBe('X')
    expect(residentCheckChar('44052418800101001')).toBe('4')
  })

  it('names what is wrong, with the server’s reason codes', () => {
    expect(residentIdProblem('')).toBe('required')
    expect(residentIdProblem('1101051949123100')).toBe('length')
    expect(residentIdProblem('110105194912310021')).toBe('check_digit')
    expect(residentIdProblem('11010519491331002X')).toBe('birth_date') // month 13
    expect(residentIdProblem('110105194902300028')).toBe('birth_date') // 30 February
    expect(residentIdProblem('110105170001010014')).toBe('birth_date') // before 1800
    expect(residentIdProblem('11010519491231002Y')).toBe('charset')
    expect(residentIdProblem('１１０１０５１９４９１２３１００２X')).toBe('charset') // full-width digits
  })
})

describe('unified social credit codes (GB 32100, MOD 31)', () => {
  it('accepts valid codes, lower case too', () => {
    expect(creditCodeProblem('91110000600037341L')).toBeNull()
    expect(creditCodeProblem('91310110666007217T')).toBeNull()
    expect(creditCodeProblem('91310110666007217t')).toBeNull()
    expect(creditCheckChar('91110000600037341')).toBe('L')
  })

  it('rejects a wrong check character, a wrong length and letters outside the alphabet', () => {
    expect(creditCodeProblem('91310110666007217A')).toBe('check_digit')
    expect(creditCodeProblem('9131011066600721')).toBe('length')
    expect(creditCodeProblem('91310110666007217I')).toBe('charset') // I, O, Z, S, V are not used
    expect(creditCodeProblem('  ')).toBe('required')
  })
})

describe('helpers', () => {
  it('normalises, takes the last four and checks phones as the server does', () => {
    expect(normalizeId(' 11010519491231002x ')).toBe('11010519491231002X')
    expect(idLast4('11010519491231002x')).toBe('002X')
    expect(idLast4('91310110666007217T')).toBe('217T')
    for (const p of ['13800000000', '0372-3186100', '03723186100']) expect(PHONE_RE.test(p), p).toBe(true)
    for (const p of ['12800000000', '1380000000', '372-3186100']) expect(PHONE_RE.test(p), p).toBe(false)
  })
})
