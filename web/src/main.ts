/** Start the app: pinia, i18n, router, and the API client wired to the session and the router. */
import { createPinia } from 'pinia'
import { createApp } from 'vue'

import { configureClient } from '@/api/client'
import App from '@/App.vue'
import { i18n, savedLocale, setLocale } from '@/i18n'
import { LOGIN, router } from '@/router'
import { useSession } from '@/session/store'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)

const session = useSession(pinia)
configureClient({
  token: () => session.token,
  sessionEnded: (error) => {
    session.ended(error.message)
    const current = router.currentRoute.value
    if (current.name !== LOGIN) {
      void router.replace({ name: LOGIN, query: { redirect: current.fullPath } })
    }
  },
  describe: (kind, status, statusText) =>
    kind === 'http'
      ? i18n.global.t('error.http', { status, statusText })
      : i18n.global.t('error.network', { kind }),
})

// The saved language's strings first (Chinese is fetched), so that the first page shows in it;
// English if they cannot be fetched.
setLocale(savedLocale())
  .catch((error: unknown) => console.warn('the saved language could not be loaded', error))
  .finally(() => app.mount('#app'))
