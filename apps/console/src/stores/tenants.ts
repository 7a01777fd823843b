import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { listPublicTenants, listTenants, sortTenants, type PublicTenant, type Tenant } from '@/api/tenants'
import { useAuthStore } from './auth'

/** Where the login page remembers the last chosen tenant (a code, nothing secret). */
export const LAST_TENANT_KEY = 'sunshine.lastTenant'

/** The public tenant list (login picker, portal), fetched once per page load. */
export const usePublicTenantsStore = defineStore('publicTenants', () => {
  const items = ref<PublicTenant[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  let pending: Promise<void> | null = null
  let fetched = false

  const sorted = computed(() => sortTenants(items.value))

  /** `force` fetches again, past the browser's short-lived cached copy too. */
  function load(force = false): Promise<void> {
    if (pending) return pending
    if (fetched && !force) return Promise.resolve()
    loading.value = true
    error.value = null
    pending = listPublicTenants({ fresh: force })
      .then((list) => {
        items.value = list
        fetched = true
      })
      .catch((e: unknown) => {
        error.value = e
      })
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  function byCode(code: string): PublicTenant | undefined {
    return items.value.find((t) => t.code === code)
  }

  return { items, sorted, loading, error, load, byCode }
})

/**
 * The tenants the signed-in user may read (GET /api/v1/tenants): one for most staff, the city and
 * its counties for city-wide roles. Fetched once per signed-in user; pages reload it after a change.
 */
export const useReadableTenantsStore = defineStore('readableTenants', () => {
  const items = ref<Tenant[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  let loadedFor: string | null = null
  let pending: Promise<void> | null = null

  const sorted = computed(() => sortTenants(items.value))
  /** More than one tenant: pages show a tenant selector. */
  const multiple = computed(() => items.value.length > 1)

  function load(force = false): Promise<void> {
    const userId = useAuthStore().user?.id ?? ''
    if (pending) return pending
    if (!force && loadedFor === userId) return Promise.resolve()
    loading.value = true
    error.value = null
    pending = listTenants()
      .then((list) => {
        items.value = list
        loadedFor = userId
      })
      .catch((e: unknown) => {
        error.value = e
      })
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  function byCode(code: string | null | undefined): Tenant | undefined {
    return code ? items.value.find((t) => t.code === code) : undefined
  }

  /** Replaces one tenant after a change (suspend, resume) or adds a new one. */
  function upsert(t: Tenant): void {
    const i = items.value.findIndex((x) => x.code === t.code)
    if (i >= 0) items.value.splice(i, 1, t)
    else items.value.push(t)
  }

  return { items, sorted, multiple, loading, error, load, byCode, upsert }
})
