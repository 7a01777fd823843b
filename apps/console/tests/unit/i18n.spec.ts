import { afterEach, describe, expect, it } from 'vitest'
import zhCN from '@/locales/zh-CN'
import en from '@/locales/en'
import { DEFAULT_LOCALE, i18n, initialLocale, LOCALE_STORAGE_KEY, setLocale } from '@/locales'
import { roleLabel, tenantLevelLabel } from '@/utils/labels'

type Tree = { [k: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}

const zh = flatten(zhCN as Tree)
const enMap = flatten(en as unknown as Tree)
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('locale files', () => {
  it('have exactly the same keys', () => {
    const missingInEn = [...zh.keys()].filter((k) => !enMap.has(k))
    const missingInZh = [...enMap.keys()].filter((k) => !zh.has(k))
    expect(missingInEn).toEqual([])
    expect(missingInZh).toEqual([])
    expect(zh.size).toBeGreaterThan(50)
  })

  it('have no empty message and the same placeholders in both languages', () => {
    for (const [k, v] of zh) {
      expect(v.trim(), `zh-CN ${k}`).not.toBe('')
      expect(enMap.get(k)!.trim(), `en ${k}`).not.toBe('')
      expect(placeholders(enMap.get(k)!), k).toEqual(placeholders(v))
    }
  })

  it('avoid vue-i18n syntax characters that would break a message (| and @)', () => {
    for (const [k, v] of [...zh, ...enMap]) expect(v, k).not.toMatch(/[|@]/)
  })

  it('cover every literal key the source uses', () => {
    const sources = import.meta.glob('/src/**/*.{ts,vue}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>
    const used = new Set<string>()
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/\b(?:t|translate)\(\s*'([a-zA-Z][\w]*(?:\.[\w]+)+)'/g)) used.add(m[1]!)
      for (const m of text.matchAll(/title: '((?:menu|portal|error|login|profile|password)\.[\w]+)'/g)) used.add(m[1]!)
    }
    expect(used.size).toBeGreaterThan(40)
    expect([...used].filter((k) => !zh.has(k))).toEqual([])
  })

  it('label every product role in Chinese', () => {
    const roles = {
      platform_admin: '平台管理员',
      tenant_admin: '系统管理员',
      legal_reviewer: '法制审核员',
      dept_admin: '部门负责人',
      window_clerk: '窗口受理员',
      case_handler: '承办人',
      supervisor: '监察员',
      leading_group: '领导小组成员',
      auditor: '审计员',
    }
    expect(zhCN.role).toEqual(roles)
  })
})

describe('switching language', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  it('defaults to zh-CN and remembers the choice', () => {
    localStorage.removeItem(LOCALE_STORAGE_KEY)
    expect(initialLocale()).toBe('zh-CN')
    setLocale('en')
    expect(i18n.global.locale.value).toBe('en')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('en')
    expect(initialLocale()).toBe('en')
    expect(document.documentElement.lang).toBe('en')
    localStorage.setItem(LOCALE_STORAGE_KEY, 'fr')
    expect(initialLocale()).toBe('zh-CN')
  })

  it('translates role and level labels, keeping unknown codes readable', () => {
    setLocale('zh-CN')
    expect(document.documentElement.lang).toBe('zh-CN')
    expect(roleLabel('supervisor')).toBe('监察员')
    expect(roleLabel('new_role')).toBe('new_role')
    expect(tenantLevelLabel('city')).toBe('市级')
    setLocale('en')
    expect(roleLabel('supervisor')).toBe('Supervisor')
    expect(tenantLevelLabel('town')).toBe('town')
  })
})
