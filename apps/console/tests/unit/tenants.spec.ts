import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { filterTenants, isActiveTenant, sortTenants, tenantLabel, type PublicTenant } from '@/api/tenants'
import { usePublicTenantsStore } from '@/stores/tenants'
import { fakeFetch, jsonResponse, problemResponse, TENANTS } from './support'

const list = TENANTS as PublicTenant[]

describe('tenant list helpers', () => {
  it('orders cities first, then the rest by code', () => {
    expect(sortTenants(list).map((t) => t.code)).toEqual(['410500', '410523', '410526', '410581'])
    // The input is not reordered in place.
    expect(list[0]!.code).toBe('410581')
  })

  it('labels a tenant as "name (code)"', () => {
    expect(tenantLabel(list[0]!)).toBe('林州市 (410581)')
  })

  it('filters by name or code', () => {
    expect(filterTenants(list, '林州').map((t) => t.code)).toEqual(['410581'])
    expect(filterTenants(list, ' 4105 ').map((t) => t.code)).toEqual(['410581', '410500', '410523', '410526'])
    expect(filterTenants(list, '410523').map((t) => t.name)).toEqual(['汤阴县'])
    expect(filterTenants(list, '')).toHaveLength(4)
    expect(filterTenants(list, '郑州')).toEqual([])
  })

  it('treats only active (or unstated) tenants as active', () => {
    expect(list.filter(isActiveTenant).map((t) => t.code)).toEqual(['410581', '410500', '410523'])
    expect(isActiveTenant({ code: '1', name: 'x', level: 'city', parent: null, status: '' })).toBe(true)
  })
})

describe('public tenants store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('fetches the public list once and looks tenants up by code', async () => {
    const f = fakeFetch(() => jsonResponse(200, { items: TENANTS }))
    const store = usePublicTenantsStore()
    await Promise.all([store.load(), store.load()])
    await store.load()
    expect(f.to('/api/v1/public/tenants')).toHaveLength(1)
    expect(store.byCode('410581')?.name).toBe('林州市')
    expect(store.sorted[0]!.code).toBe('410500')
    await store.load(true)
    expect(f.to('/api/v1/public/tenants')).toHaveLength(2)
  })

  it('keeps the error instead of throwing, so pages can show it', async () => {
    fakeFetch(() => problemResponse(503, { detail: '服务暂不可用' }))
    const store = usePublicTenantsStore()
    await store.load()
    expect(store.items).toEqual([])
    expect(store.error).toMatchObject({ status: 503, detail: '服务暂不可用' })
    expect(store.loading).toBe(false)
  })
})
