import type { RouteLocationNormalized, RouteLocationRaw, Router } from 'vue-router'
import { ApiError } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { errorMessage } from '@/api/errors'
import { i18n, translate } from '@/locales'

/** Only same-origin paths are followed after login (no "//evil.example" or absolute URLs). */
export function safeRedirect(value: unknown): string | null {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null
  if (value.startsWith('/login')) return null
  return value
}

/** The decision for one navigation, separated from the router for tests. */
export async function authorize(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  if (to.meta.public) return true
  const auth = useAuthStore()
  if (!auth.loaded) {
    try {
      await auth.load()
    } catch (e) {
      // Not signed in (401), or the server failed: either way the login page is where the user
      // can act. Anything but a 401 is worth telling them about.
      if (!(e instanceof ApiError && e.status === 401)) ElMessage.error(errorMessage(e, translate))
      return { name: 'login', query: { redirect: to.fullPath } }
    }
  }
  if (auth.mustChangePassword && to.name !== 'password') return { name: 'password' }
  if (to.meta.perm && !auth.hasPerm(to.meta.perm)) return { name: 'forbidden' }
  return true
}

export function installGuards(router: Router): void {
  router.beforeEach((to) => authorize(to))
  router.afterEach((to) => {
    const app = i18n.global.t('app.title')
    const title = to.meta.title ? translate(to.meta.title) : ''
    // The portal sets its own title (it knows the tenant name).
    if (!to.path.startsWith('/portal/')) document.title = title ? `${title} - ${app}` : app
  })
}
