import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { currentLocale, i18n, syncDocumentLang, translate } from './locales'
import { configureHttp } from './api/http'
import { vPerm } from './directives/perm'
import { useAuthStore } from './stores/auth'
import './styles/main.css'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(router)
app.directive('perm', vPerm)
syncDocumentLang()

configureHttp({
  locale: currentLocale,
  // A 401 from any staff call means the session ended (expired, logged out elsewhere): back to login,
  // then back here afterwards. Public pages (portal) never ask for a session, so they are left alone.
  onUnauthorized: () => {
    const auth = useAuthStore(pinia)
    const wasSignedIn = auth.loaded
    auth.reset()
    const current = router.currentRoute.value
    if (current.meta.public) return
    if (wasSignedIn) ElMessage.warning(translate('error.sessionExpired'))
    void router.push({ name: 'login', query: { redirect: current.fullPath } })
  },
})

app.mount('#app')
