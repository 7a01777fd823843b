import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { filterMenu, flattenMenu, menu, type MenuItem } from '@/router/menu'
import { routes } from '@/router/routes'
import { installGuards, safeRedirect } from '@/router/guard'
import { hasMessage } from '@/locales'
import { useAuthStore } from '@/stores/auth'
import { fakeFetch, jsonResponse, me, problemResponse } from './support'
import { Bell } from '@element-plus/icons-vue'

const names = (items: MenuItem[]) => items.map((i) => i.name)

describe('menu', () => {
  it('declares the staff areas with the agreed permissions', () => {
    const perms = Object.fromEntries(flattenMenu(menu).map((i) => [i.name, i.perm ?? null]))
    expect(perms).toEqual({
      dashboard: null,
      tenants: ['tenant:manage', 'tenant:read'],
      departments: 'department:read',
      users: 'user:read',
      catalogue: 'power:read',
      filings: 'power:file',
      intake: 'case:intake',
      cases: 'case:read',
      tasks: 'task:read',
      projects: 'case:read',
      windows: 'window:read',
      volume: 'window:read',
      calendar: ['calendar:manage', 'case:read'],
      supervision: 'supervision:read',
      'supervision-cards': ['supervision:read', 'supervision:reply'],
      'supervision-notices': ['supervision:read', 'supervision:reply'],
      audit: 'audit:read',
      'security-events': 'audit:read',
      'ops-queues': 'ops:queues',
    })
  })

  it('has a title in the locale files and an icon for every item', () => {
    for (const item of flattenMenu(menu)) {
      expect(hasMessage(item.title), item.title).toBe(true)
      expect(item.icon, item.name).toBeTruthy()
    }
  })

  it('shows only what the permissions allow (home for everyone)', () => {
    expect(names(filterMenu(menu, []))).toEqual(['dashboard'])
    expect(names(filterMenu(menu, ['user:read', 'audit:read']))).toEqual(['dashboard', 'users', 'audit', 'security-events'])
    // Either tenant permission opens 租户管理.
    expect(names(filterMenu(menu, ['tenant:read']))).toEqual(['dashboard', 'tenants'])
    expect(names(filterMenu(menu, ['tenant:manage', 'department:read']))).toEqual(['dashboard', 'tenants', 'departments'])
    // user:manage alone is not user:read (the API requires the latter to list).
    expect(names(filterMenu(menu, ['user:manage']))).toEqual(['dashboard'])
    // 电子监察 is a group: supervisors get the overview, departments only their cards and notices.
    const sup = filterMenu(menu, ['supervision:read'])
    expect(names(sup)).toEqual(['dashboard', 'supervision-group'])
    expect(names(sup[1]!.children!)).toEqual(['supervision', 'supervision-cards', 'supervision-notices'])
    expect(names(filterMenu(menu, ['supervision:reply'])[1]!.children!)).toEqual(['supervision-cards', 'supervision-notices'])
    expect(names(filterMenu(menu, ['ops:queues']))).toEqual(['dashboard', 'ops-queues'])
    expect(names(filterMenu(menu, new Set(['case:read', 'task:read'])))).toEqual(['dashboard', 'cases', 'tasks', 'projects', 'calendar'])
    const all = flattenMenu(menu).flatMap((i) => (i.perm ? [i.perm].flat() : []))
    expect(filterMenu(menu, all)).toHaveLength(menu.length)
  })

  it('drops a group whose children are all hidden, and a group the user may not open', () => {
    const tree: MenuItem[] = [
      {
        name: 'g',
        path: '/g',
        title: 'menu.cases',
        icon: Bell,
        children: [
          { name: 'a', path: '/g/a', title: 'menu.cases', icon: Bell, perm: 'a' },
          { name: 'b', path: '/g/b', title: 'menu.tasks', icon: Bell, perm: 'b' },
        ],
      },
      { name: 'h', path: '/h', title: 'menu.audit', icon: Bell, perm: 'h', children: [{ name: 'c', path: '/h/c', title: 'menu.audit', icon: Bell }] },
    ]
    expect(filterMenu(tree, ['b'])).toEqual([{ ...tree[0], children: [tree[0]!.children![1]] }])
    expect(filterMenu(tree, [])).toEqual([])
    expect(names(filterMenu(tree, ['h']))).toEqual(['h'])
  })

  it('builds a route per menu item carrying its permission; unbuilt pages are placeholders', () => {
    const staff = routes.find((r) => r.path === '/')!
    for (const item of flattenMenu(menu)) {
      const r = staff.children!.find((c) => c.name === item.name)
      expect(r, item.name).toBeTruthy()
      expect(r!.meta?.perm).toBe(item.perm)
      expect(r!.meta?.placeholder).toBe(!item.view)
    }
    expect(staff.children!.find((c) => c.name === 'dashboard')!.meta?.placeholder).toBe(false)
  })
})

describe('router guard', () => {
  beforeEach(() => setActivePinia(createPinia()))

  function makeRouter() {
    const router = createRouter({ history: createMemoryHistory(), routes })
    installGuards(router)
    return router
  }

  it('sends an unauthenticated user to login with a way back', async () => {
    const f = fakeFetch(() => problemResponse(401, { code: 'unauthenticated', detail: '请先登录' }))
    const router = makeRouter()
    await router.push('/users?page=2')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/users?page=2')
    expect(f.to('/api/v1/me')).toHaveLength(1)
  })

  it('loads /me once, then lets permitted pages open and sends the rest to 403', async () => {
    const f = fakeFetch(() => jsonResponse(200, me({ permissions: ['user:read', 'user:manage'] })))
    const router = makeRouter()
    await router.push('/users')
    expect(router.currentRoute.value.name).toBe('users')
    await router.push('/tenants')
    expect(router.currentRoute.value.name).toBe('forbidden')
    await router.push('/')
    expect(router.currentRoute.value.name).toBe('dashboard')
    expect(f.to('/api/v1/me')).toHaveLength(1)
    expect(useAuthStore().user?.display_name).toBe('张明')
  })

  it('forces a password change before anything else', async () => {
    fakeFetch(() => jsonResponse(200, me({ mustChange: true })))
    const router = makeRouter()
    await router.push('/users')
    expect(router.currentRoute.value.name).toBe('password')
    await router.push('/')
    expect(router.currentRoute.value.name).toBe('password')
  })

  it('never asks for a session on public pages (login, portal, 404)', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: [] }))
    const router = makeRouter()
    for (const path of ['/login', '/portal/410581', '/portal/410581/status', '/no/such/page']) {
      await router.push(path)
      expect(router.currentRoute.value.meta.public, path).toBe(true)
    }
    expect(router.currentRoute.value.name).toBe('not-found')
    expect(f.to('/api/v1/me')).toHaveLength(0)
  })
})

describe('safeRedirect', () => {
  it('follows only same-origin app paths', () => {
    expect(safeRedirect('/users?page=2')).toBe('/users?page=2')
    expect(safeRedirect('//evil.example/x')).toBeNull()
    expect(safeRedirect('/\\evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect('/login?redirect=/x')).toBeNull()
    expect(safeRedirect(['/users'])).toBeNull()
    expect(safeRedirect(undefined)).toBeNull()
  })
})
