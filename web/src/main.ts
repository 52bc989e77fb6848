/** Start the app: pinia, i18n, router, and the API client wired to the session and the router. */
import { createPinia } from 'pinia'
import { createApp } from 'vue'

import { configureClient } from '@/api/client'
import App from '@/App.vue'
import { i18n, setLocale, currentLocale } from '@/i18n'
import { LOGIN, router } from '@/router'
import { useSession } from '@/session/store'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)
app.use(i18n)
app.use(router)
setLocale(currentLocale())

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

app.mount('#app')
