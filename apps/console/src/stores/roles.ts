import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { listRoles, roleInfoLabel, type RoleInfo } from '@/api/roles'
import { currentLocale } from '@/locales'
import { roleLabel } from '@/utils/labels'
import { useAuthStore } from './auth'

/** The role catalogue (GET /api/v1/roles), fetched once per signed-in user. */
export const useRolesStore = defineStore('roles', () => {
  const items = ref<RoleInfo[]>([])
  const loading = ref(false)
  const error = ref<unknown>(null)
  let loadedFor: string | null = null
  let pending: Promise<void> | null = null

  /** Roles the signed-in user may grant, in catalogue order. */
  const grantable = computed(() => items.value.filter((r) => r.grantable))

  function load(force = false): Promise<void> {
    const userId = useAuthStore().user?.id ?? ''
    if (pending) return pending
    if (!force && loadedFor === userId) return Promise.resolve()
    loading.value = true
    error.value = null
    pending = listRoles()
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

  function byName(name: string): RoleInfo | undefined {
    return items.value.find((r) => r.name === name)
  }

  /** The label the API gives the role, in the UI language; the console's own label before the catalogue loads. */
  function label(name: string): string {
    const info = byName(name)
    return info ? roleInfoLabel(info, currentLocale()) : roleLabel(name)
  }

  return { items, grantable, loading, error, load, byName, label }
})
