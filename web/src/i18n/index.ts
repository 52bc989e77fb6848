/**
 * vue-i18n in composition mode, English and Chinese. Components use `const { t } = useI18n()`;
 * code outside components uses `i18n.global.t`. A page's strings are merged in under its name by
 * pages/registry.ts (`t('account.title')` for the account page).
 */
import { createI18n } from 'vue-i18n'

import en from './en'
import zh from './zh'

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh', label: '中文' },
] as const
export type Locale = (typeof LOCALES)[number]['code']

const STORAGE_KEY = 'aops.locale'

function initialLocale(): Locale {
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
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { en, zh },
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

export function currentLocale(): Locale {
  return i18n.global.locale.value
}

export function setLocale(locale: Locale): void {
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
