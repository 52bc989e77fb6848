import { beforeAll, describe, expect, it, vi } from 'vitest'

import type * as I18n from '@/i18n'

import type * as Registry from './registry'

let registry: typeof Registry
let i18n: typeof I18n

beforeAll(async () => {
  // i18n picks its first language from these browser globals when it is imported.
  vi.stubGlobal('localStorage', { getItem: () => 'en', setItem: () => undefined })
  vi.stubGlobal('navigator', { language: 'en' })
  registry = await import('./registry')
  i18n = await import('@/i18n')
})

describe('the page registry', () => {
  it('names each page after its folder and titles it <name>.title', () => {
    const names = registry.pages.map((page) => page.name)
    expect(names).toEqual(expect.arrayContaining(['dashboard', 'hosts', 'login', 'notFound']))
    for (const page of registry.pages) expect(page.title).toBe(`${page.name}.title`)
  })

  it('registers every page title in English and Chinese, as the page wrote it', () => {
    const messages = i18n.i18n.global
    for (const page of registry.pages) {
      for (const locale of i18n.LOCALES) {
        expect(messages.te(page.title, locale.code), `${page.title} in ${locale.code}`).toBe(true)
      }
    }
    expect(messages.t('hosts.title')).toBe('Hosts')
  })

  it('keeps each route lazily loaded (one chunk per page)', () => {
    for (const page of registry.pages) expect(page.component).toBeTypeOf('function')
  })

  it('lands on the first menu entry', () => {
    expect(registry.homePage().name).toBe('dashboard')
  })
})
