import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as authApi from '@/api/auth'
import type { LoginRequest, Me } from '@/api/auth'
import { checkPerm, type PermRequirement } from '@/utils/perm'

/** The signed-in user as GET /api/v1/me describes them; null until loaded or after logout. */
export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)

  const loaded = computed(() => me.value !== null)
  const user = computed(() => me.value?.user ?? null)
  const tenant = computed(() => me.value?.tenant ?? null)
  const roles = computed(() => me.value?.roles ?? [])
  const permissions = computed(() => new Set(me.value?.permissions ?? []))
  const mustChangePassword = computed(() => me.value?.user.must_change_password === true)

  function hasPerm(required: PermRequirement): boolean {
    return checkPerm(permissions.value, required)
  }

  /** Loads /me. A 401 is thrown to the caller (the router guard sends the user to login). */
  async function load(): Promise<Me> {
    const data = await authApi.fetchMe({ skipAuthRedirect: true })
    me.value = {
      ...data,
      roles: Array.isArray(data.roles) ? data.roles : [],
      permissions: Array.isArray(data.permissions) ? data.permissions : [],
    }
    return me.value
  }

  /** Signs in, then loads roles and permissions. Resolves to whether a password change is required. */
  async function signIn(req: LoginRequest): Promise<{ mustChangePassword: boolean }> {
    const res = await authApi.login(req)
    const loadedMe = await load()
    return { mustChangePassword: res.user.must_change_password || loadedMe.user.must_change_password }
  }

  /** Ends the session on the server; the local state is cleared whatever the server answers. */
  async function signOut(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      reset()
    }
  }

  function reset(): void {
    me.value = null
  }

  return { me, loaded, user, tenant, roles, permissions, mustChangePassword, hasPerm, load, signIn, signOut, reset }
})
