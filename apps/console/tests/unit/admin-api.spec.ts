import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { configureHttp, ApiError } from '@/api/http'
import { renameFields, formProblem } from '@/api/errors'
import { getTenant, listTenants, patchTenantSettings, provisionTenant, resumeTenant, suspendTenant } from '@/api/tenants'
import { createDepartment, departmentTree, departmentUpdate, descendantIds, listDepartments, updateDepartment, type Department } from '@/api/departments'
import { createUser, grantRole, listUsers, resetPassword, revokeRole, updateUser, userUpdate, type StaffUser } from '@/api/users'
import { listRoles, roleInfoLabel, subtreeAllowed } from '@/api/roles'
import { dayRange, listAuditEvents, verifyAudit } from '@/api/audit'
import { DEFAULT_LOCALE, setLocale } from '@/locales'
import { auditActionLabel, auditObjectTypeLabel, departmentTypeLabel, settingLabel, tenantLevelShort, tenantStatusLabel } from '@/utils/labels'
import { formatDateTime } from '@/utils/format'
import { clearCookies, fakeFetch, jsonResponse, problemResponse } from './support'

const path = (url: string) => new URL(url, 'http://x').pathname
const search = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams)

const TENANT = { code: '410581', name: '林州市', level: 'county', parent: '410500', path: '410500/410581', status: 'active' }

function dept(id: string, over: Partial<Department> = {}): Department {
  return { id, tenant_code: '410581', code: id.toUpperCase(), name: `部门${id}`, type: 'bureau', parent_id: null, sort: 10, active: true, ...over }
}

const USER: StaffUser = {
  id: 'u-1',
  tenant_code: '410581',
  username: 'zhang',
  display_name: '张三',
  department_id: 'd-1',
  phone: '13800000000',
  email: '',
  status: 'active',
  must_change_password: false,
  created_at: '2026-11-28T00:00:00Z',
  grants: [{ role: 'window_clerk', domain: '410500/410581', subtree: false }],
}

beforeEach(() => {
  configureHttp({ locale: () => 'zh-CN', onUnauthorized: () => {} })
  clearCookies()
  document.cookie = 'sunshine_csrf=tok; path=/'
})
afterEach(() => clearCookies())

describe('tenants admin API', () => {
  it('lists the readable tenants and reads one with both settings maps', async () => {
    const f = fakeFetch((r) => {
      if (path(r.url) === '/api/v1/tenants') return jsonResponse(200, { items: [TENANT], total: 1 })
      if (path(r.url) === '/api/v1/tenants/410581') return jsonResponse(200, { ...TENANT, settings: { a: 1 } })
      return undefined
    })
    expect(await listTenants()).toEqual([TENANT])
    const d = await getTenant('410581')
    expect(d.settings).toEqual({ a: 1 })
    // A missing map reads as empty rather than crashing the drawer.
    expect(d.effective_settings).toEqual({})
    expect(f.seen.map((r) => r.method)).toEqual(['GET', 'GET'])
  })

  it('provisions with the documented body and the CSRF header', async () => {
    const f = fakeFetch(() => jsonResponse(201, { tenant: { ...TENANT, code: '410599' }, admin: { username: 'admin', one_time_password: 'Pw#1' } }))
    const body = { code: '410599', name: '测试新区', level: 'county' as const, parent: '410500', admin: { username: 'admin', display_name: '' } }
    const res = await provisionTenant(body)
    expect(res.admin.one_time_password).toBe('Pw#1')
    expect(f.seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/tenants', body })
    expect(f.seen[0]!.headers['x-csrf-token']).toBe('tok')
  })

  it('suspends with a reason, resumes without a body, and patches settings', async () => {
    const f = fakeFetch((r) => jsonResponse(200, r.url.endsWith('/settings') ? { ...TENANT, settings: {}, effective_settings: {} } : TENANT))
    await suspendTenant('410581', '机构调整')
    await resumeTenant('410581')
    await patchTenantSettings('410500', { department_template: [], portal_notice: null })
    expect(f.seen.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/api/v1/tenants/410581/suspend', { reason: '机构调整' }],
      ['POST', '/api/v1/tenants/410581/resume', undefined],
      ['PATCH', '/api/v1/tenants/410500/settings', { settings: { department_template: [], portal_notice: null } }],
    ])
  })

  it('turns a 409 on the code into a field error for the form', async () => {
    fakeFetch(() =>
      problemResponse(409, {
        code: 'tenancy.exists',
        detail: '行政区划代码 410581 已存在',
        errors: [{ field: 'code', code: 'tenancy.exists', message: '行政区划代码 410581 已存在' }],
      }),
    )
    const e = await provisionTenant({ code: '410581', name: 'x', level: 'county', parent: '410500', admin: { username: 'admin', display_name: '' } }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect(formProblem(e, ['code', 'name'], (k) => k)).toEqual({ fields: { code: '行政区划代码 410581 已存在' }, banner: '' })
  })
})

describe('departments API', () => {
  it('lists one tenant (or the own one without a tenant), creates and updates', async () => {
    const f = fakeFetch((r) => (r.method === 'GET' ? jsonResponse(200, { items: [dept('a')] }) : jsonResponse(r.method === 'POST' ? 201 : 200, dept('a'))))
    await listDepartments('410523')
    await listDepartments()
    await createDepartment({ code: 'ZJJ', name: '住建局', type: 'bureau', sort: 40, parent_id: null })
    await updateDepartment('a', departmentUpdate(dept('a'), { active: false }))
    expect(f.seen.map((r) => [r.method, r.url])).toEqual([
      ['GET', '/api/v1/departments?tenant=410523'],
      ['GET', '/api/v1/departments'],
      ['POST', '/api/v1/departments'],
      ['PUT', '/api/v1/departments/a'],
    ])
    expect(f.seen[3]!.body).toEqual({ code: 'A', name: '部门a', type: 'bureau', sort: 10, parent_id: null, active: false })
  })

  it('nests departments under their parents, ordered by sort then code', () => {
    const list = [
      dept('c', { sort: 30 }),
      dept('a', { sort: 10 }),
      dept('a2', { parent_id: 'a', sort: 20 }),
      dept('a1', { parent_id: 'a', sort: 10 }),
      dept('orphan', { parent_id: 'gone', sort: 20 }),
    ]
    const tree = departmentTree(list)
    expect(tree.map((n) => n.id)).toEqual(['a', 'orphan', 'c'])
    expect(tree[0]!.children!.map((n) => n.id)).toEqual(['a1', 'a2'])
    expect(descendantIds([...list, dept('a11', { parent_id: 'a1' })], 'a')).toEqual(new Set(['a', 'a1', 'a2', 'a11']))
  })
})

describe('users and roles API', () => {
  it('searches by name within a tenant and leaves empty filters out', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [{ ...USER, grants: null }] }))
    const list = await listUsers({ q: ' 张 ', tenant: '410581' })
    await listUsers({ q: '  ', tenant: '' })
    expect(search(f.seen[0]!.url)).toEqual({ q: '张', tenant: '410581' })
    expect(f.seen[1]!.url).toBe('/api/v1/users')
    // A user without grants gets an empty list, not null.
    expect(list[0]!.grants).toEqual([])
  })

  it('creates with roles, updates the whole record, resets, grants and revokes', async () => {
    const f = fakeFetch((r) => {
      if (r.url === '/api/v1/users') return jsonResponse(201, { user: USER, one_time_password: 'Once#1' })
      if (r.url.endsWith('/reset-password')) return jsonResponse(200, { one_time_password: 'Again#2' })
      return jsonResponse(200, USER)
    })
    const created = await createUser({
      username: 'zhang',
      display_name: '张三',
      department_id: null,
      phone: '',
      email: '',
      roles: [{ role: 'auditor', subtree: true }],
    })
    expect(created.one_time_password).toBe('Once#1')
    await updateUser('u-1', userUpdate(USER, { status: 'disabled' }))
    expect((await resetPassword('u-1')).one_time_password).toBe('Again#2')
    await grantRole('u-1', { role: 'supervisor', subtree: false })
    await revokeRole('u-1', 'window_clerk')
    expect(f.seen.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/api/v1/users'],
      ['PUT', '/api/v1/users/u-1'],
      ['POST', '/api/v1/users/u-1/reset-password'],
      ['POST', '/api/v1/users/u-1/grants'],
      ['DELETE', '/api/v1/users/u-1/grants/window_clerk'],
    ])
    expect(f.seen[0]!.body).toMatchObject({ roles: [{ role: 'auditor', subtree: true }] })
    expect(f.seen[1]!.body).toEqual({ display_name: '张三', department_id: 'd-1', phone: '13800000000', email: '', status: 'disabled' })
    expect(f.seen[3]!.body).toEqual({ role: 'supervisor', subtree: false })
  })

  it('lists roles and labels them in the UI language', async () => {
    const role = { name: 'auditor', label: '审计员', label_en: 'Auditor', city_only: false, platform: false, subtree: true, permissions: [], grantable: true }
    fakeFetch(() => jsonResponse(200, { items: [role] }))
    expect(await listRoles()).toEqual([role])
    expect(roleInfoLabel(role, 'zh-CN')).toBe('审计员')
    expect(roleInfoLabel(role, 'en')).toBe('Auditor')
    expect(subtreeAllowed(role, 'city')).toBe(true)
    expect(subtreeAllowed(role, 'county')).toBe(false)
    expect(subtreeAllowed({ subtree: false }, 'city')).toBe(false)
    expect(subtreeAllowed(undefined, 'city')).toBe(false)
  })

  it('moves indexed role errors under the roles field', () => {
    const e = new ApiError(422, {
      detail: '提交的内容有误',
      errors: [{ field: 'roles[0].role', code: 'authz.city_only_role', message: '该角色只能在市级授予' }],
    })
    const renamed = renameFields(e, (f) => (f.startsWith('roles[') ? 'roles' : f))
    expect(formProblem(renamed, ['roles'], (k) => k)).toEqual({ fields: { roles: '该角色只能在市级授予' }, banner: '' })
    expect(renameFields('plain', (f) => f)).toBe('plain')
  })
})

describe('audit API', () => {
  it('sends only the filters that are set, and the page', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [], total: 0, page: 2, page_size: 50 }))
    const res = await listAuditEvents({ tenant: '', action: 'auth', object_type: ' ', actor: undefined, page: 2, page_size: 50 })
    expect(search(f.seen[0]!.url)).toEqual({ action: 'auth', page: '2', page_size: '50' })
    expect(res).toEqual({ items: [], total: 0, page: 2, page_size: 50 })
  })

  it('verifies all readable chains or one tenant', async () => {
    const f = fakeFetch(() => jsonResponse(200, { ok: true, events: 12 }))
    expect(await verifyAudit()).toEqual({ ok: true, events: 12 })
    await verifyAudit('410581')
    expect(f.seen.map((r) => r.url)).toEqual(['/api/v1/audit/verify', '/api/v1/audit/verify?tenant=410581'])
  })

  it('turns a picked day range into local midnights, the end exclusive', () => {
    const r = dayRange(['2026-11-01', '2026-11-28'])
    expect(new Date(r.from!).getTime()).toBe(new Date(2026, 10, 1).getTime())
    expect(new Date(r.to!).getTime()).toBe(new Date(2026, 10, 29).getTime())
    expect(dayRange(null)).toEqual({})
    expect(dayRange(['2026-11-01', ''])).toEqual({})
  })
})

describe('labels and formats', () => {
  afterEach(() => setLocale(DEFAULT_LOCALE))

  it('labels audit actions, groups and object types in Chinese, falling back to the code', () => {
    setLocale('zh-CN')
    expect(auditActionLabel('auth.login')).toBe('登录')
    expect(auditActionLabel('auth.login_failed')).toBe('登录失败')
    expect(auditActionLabel('auth.logout')).toBe('退出')
    expect(auditActionLabel('auth.password_change')).toBe('修改密码')
    expect(auditActionLabel('tenant.provision')).toBe('开通租户')
    expect(auditActionLabel('tenant.suspend')).toBe('暂停')
    expect(auditActionLabel('tenant.resume')).toBe('恢复')
    expect(auditActionLabel('user.create')).toBe('新建用户')
    expect(auditActionLabel('user.grant')).toBe('授权')
    expect(auditActionLabel('user.revoke')).toBe('撤销授权')
    expect(auditActionLabel('department.create')).toBe('新建部门')
    expect(auditActionLabel('department.update')).toBe('修改部门')
    expect(auditActionLabel('case.accept')).toBe('case.accept')
    expect(auditActionLabel('auth')).toBe('登录认证')
    expect(auditActionLabel('tenant.')).toBe('租户')
    expect(auditActionLabel('auth.login.extra')).toBe('auth.login.extra')
    expect(auditObjectTypeLabel('session')).toBe('会话')
    expect(auditObjectTypeLabel('case')).toBe('办件')
    expect(auditObjectTypeLabel('gadget')).toBe('gadget')
    expect(auditActionLabel('power.file')).toBe('报备')
    setLocale('en')
    expect(auditActionLabel('auth.login')).toBe('Sign in')
  })

  it('labels levels 市/县/区, statuses, department types and setting keys', () => {
    expect(['city', 'county', 'district', 'town'].map(tenantLevelShort)).toEqual(['市', '县', '区', 'town'])
    expect(tenantStatusLabel('suspended')).toBe('已暂停')
    expect(departmentTypeLabel('commission')).toBe('委员会')
    expect(departmentTypeLabel('x')).toBe('x')
    expect(settingLabel('complaint_working_days')).toBe('投诉办理时限（工作日）')
    expect(settingLabel('new_key')).toBe('new_key')
  })

  it('formats times in local time as YYYY-MM-DD HH:mm:ss', () => {
    expect(formatDateTime(new Date(2026, 0, 5, 8, 3, 9))).toBe('2026-01-05 08:03:09')
    expect(formatDateTime(new Date(2026, 0, 5, 8, 3, 9).toISOString())).toBe('2026-01-05 08:03:09')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('not a time')).toBe('not a time')
  })
})
