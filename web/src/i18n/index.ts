/**
 * vue-i18n in composition mode, English and Chinese. Components use `const { t } = useI18n()`;
 * code outside components uses `i18n.global.t`. A page's strings are merged in under its name by
 * pages/registry.ts (`t('account.title')` for the account page).
 *
 * English is built in (it is also the fallback); the Chinese shared strings, ant-design-vue's
 * Chinese locale and dayjs's are fetched when Chinese is first chosen (`setLocale`), so that an
 * English first page does not download them.
 */
import type { Locale as AntdLocale } from 'ant-design-vue/es/locale'
import enUS from 'ant-design-vue/es/locale/en_US'
import { shallowRef } from 'vue'
import { createI18n } from 'vue-i18n'

import en from './en'

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh', label: '中文' },
] as const
export type Locale = (typeof LOCALES)[number]['code']

const STORAGE_KEY = 'aops.locale'

/** The saved choice, or the browser's language: what main.ts starts with. */
export function savedLocale(): Locale {
  const saved = localStorage.getItem(STORAGE_KEY)
  if (saved === 'en' || saved === 'zh') return saved
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

/** A message tree: nested objects of strings. */
export interface MessageTree {
  [key: string]: string | MessageTree
}

export const i18n = createI18n({
  legacy: false,
  // The saved choice is applied by setLocale once its strings are here (main.ts, before mounting).
  locale: 'en',
  fallbackLocale: 'en',
  messages: { en },
  datetimeFormats: {
    en: { long: { dateStyle: 'medium', timeStyle: 'medium' } },
    zh: { long: { dateStyle: 'medium', timeStyle: 'medium' } },
  },
  missingWarn: false,
  fallbackWarn: false,
  // A missing string is a bug a user sees (the raw key): logged as an error, which the browser
  // tests fail on.
  missing: (locale, key) => {
    console.error(`i18n: no message "${key}" in ${locale}`)
  },
})

/** ant-design-vue's strings (pagination, empty, date pickers) in the current language. */
export const antdLocale = shallowRef<AntdLocale>(enUS)

/** What a language needs besides its page strings; English is built in. */
interface LocaleParts {
  messages: MessageTree | null
  antd: AntdLocale
  /** dayjs's locale name (date pickers); dayjs itself is loaded only for a language it lacks. */
  dayjs: string
}

/** dayjs's global locale, once dayjs is loaded (by a language other than English). */
let setDayjsLocale: ((name: string) => void) | null = null

const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<LocaleParts>> = {
  zh: async () => {
    const [messages, antd, dayjs] = await Promise.all([
      import('./zh'),
      import('ant-design-vue/es/locale/zh_CN'),
      import('dayjs'),
      import('dayjs/locale/zh-cn'),
    ])
    setDayjsLocale = (name) => void dayjs.default.locale(name)
    return { messages: messages.default, antd: antd.default, dayjs: 'zh-cn' }
  },
}

const loaded = new Map<Locale, LocaleParts>([['en', { messages: null, antd: enUS, dayjs: 'en' }]])
/** The last language asked for: a slower earlier switch must not win over it. */
let asked: Locale | null = null

export function currentLocale(): Locale {
  return i18n.global.locale.value
}

/** Switch the language, fetching its strings first; rejects (language unchanged) if they
 * cannot be fetched. */
export async function setLocale(locale: Locale): Promise<void> {
  asked = locale
  let parts = loaded.get(locale)
  if (!parts) {
    parts = await LOADERS[locale as Exclude<Locale, 'en'>]()
    if (parts.messages) i18n.global.mergeLocaleMessage(locale, parts.messages)
    loaded.set(locale, parts)
    if (asked !== locale) return
  }
  antdLocale.value = parts.antd
  // English is dayjs's own; it needs setting back only once another language was loaded.
  setDayjsLocale?.(parts.dayjs)
  i18n.global.locale.value = locale
  localStorage.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en'
}

/** A page name or feature: an identifier, so that `t('<namespace>.<key>')` resolves. */
const NAMESPACE = /^[A-Za-z][A-Za-z0-9]*$/

/** Strings of one page (or feature), available as `t('<namespace>.<key>')`. */
export function addMessages(namespace: string, messages: Record<Locale, MessageTree>): void {
  if (!NAMESPACE.test(namespace))
    throw new Error(`i18n namespace "${namespace}" is not an identifier`)
  for (const { code } of LOCALES) {
    i18n.global.mergeLocaleMessage(code, { [namespace]: messages[code] })
  }
}
